#pragma once
// An interaction log (user, item, optional rating, optional time per line; MovieLens's u.data as is), read
// into per-user, time-ordered histories. Shared by the implicit_feedback (NCF) and next_item_sequences
// (YouTube-DNN) pipelines, which differ only in what they build from the histories.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/core/real.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

struct IdLimit;

// The arguments that say how to read the log (path, delimiter, columns, rating threshold, ids).
std::vector<ArgSpec> interaction_log_args();

// 16 bytes: at MovieLens-20M size the log is 20M of these. The user is where the interaction is kept
// (UserHistories), not a field: the reader holds users in a column of its own only until it groups them.
struct Interaction {
  std::int32_t item;   // below 2^31 (larger ids are refused when the log is read: `ids: remap`)
  std::uint32_t line;  // in the file, for messages (logs of 2^32 lines or more are refused)
  double time;
};

// Every user's interactions, by time (ties in file order), in one array with an offset per user: no vector
// per user, and no second copy of the log while it is grouped (20M interactions are 320 MB once).
class UserHistories {
 public:
  UserHistories() = default;
  // Groups `events` by `users` (each 0 .. num_users - 1, one per event) in place, then orders each user's by
  // time and line.
  UserHistories(std::vector<Interaction>&& events, std::vector<std::int32_t>&& users, Index num_users);
  size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::span<const Interaction> operator[](size_t user) const {
    return {events_.data() + offsets_[user], events_.data() + offsets_[user + 1]};
  }

  // Range-for over the users' histories.
  class Iterator {
   public:
    Iterator(const UserHistories* owner, size_t user) : owner_(owner), user_(user) {}
    std::span<const Interaction> operator*() const { return (*owner_)[user_]; }
    Iterator& operator++() {
      ++user_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return user_ != other.user_; }

   private:
    const UserHistories* owner_;
    size_t user_;
  };
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, size()}; }

 private:
  std::vector<Interaction> events_;
  std::vector<size_t> offsets_;
};

// Per user, a list of item ids, all in one array with an offset per user (no vector per user: 138k of
// them at MovieLens-20M's size). Ids fit 32 bits (the log refuses larger ones).
// Which of consecutive ranges [offsets[u], offsets[u + 1]) holds a position, in a few cache-resident steps:
// the range holding the first position of every block of 4096, then a search among that block's few ranges.
// (A binary search of all 138k offsets, for rows spread over 20M positions, missed the caches at most of its
// 17 steps.)
class RangeIndex {
 public:
  RangeIndex() = default;
  explicit RangeIndex(const std::vector<size_t>& offsets);
  size_t find(const std::vector<size_t>& offsets, size_t position) const {
    const auto [from, to] = candidates(offsets, position);
    return static_cast<size_t>(std::upper_bound(from, to, position) - offsets.data()) - 1;
  }
  // Asks for the offsets find(offsets, position) will read (up to 8 lines), to be called a while before it.
  void prefetch(const std::vector<size_t>& offsets, size_t position) const {
    constexpr size_t kPerLine = 64 / sizeof(size_t);
    const auto [from, to] = candidates(offsets, position);
    for (const size_t* line = from; line < std::min(to, from + 8 * kPerLine); line += kPerLine)
      __builtin_prefetch(line);
  }

 private:
  static constexpr unsigned kBlockBits = 12;
  // The offsets among which the range holding `position` starts: those of its block's few ranges.
  std::pair<const size_t*, const size_t*> candidates(const std::vector<size_t>& offsets,
                                                     size_t position) const {
    const size_t block = position >> kBlockBits;
    return {offsets.data() + first_[block] + 1, offsets.data() + first_[block + 1] + 2};
  }
  std::vector<uint32_t> first_;  // per block: the range holding its first position; then the last range
};

struct ItemLists {
  std::vector<uint32_t> items;
  std::vector<size_t> offsets{0};  // user u's items are items[offsets[u], offsets[u + 1])
  RangeIndex owners;               // made by index_owners, once every list is closed
  size_t users() const { return offsets.size() - 1; }
  std::span<const uint32_t> operator[](size_t user) const {
    return {items.data() + offsets[user], items.data() + offsets[user + 1]};
  }
  // Closes the list of the next user (the items pushed since the last call).
  void end_user() { offsets.push_back(items.size()); }
  void index_owners() { owners = RangeIndex(offsets); }
  // The user whose list holds items[k] (after index_owners).
  size_t owner(size_t k) const { return owners.find(offsets, k); }
  void prefetch_owner(size_t k) const { owners.prefetch(offsets, k); }
  // Asks for where user's list starts and ends, to be read a while later.
  void prefetch_list_bounds(size_t user) const {
    __builtin_prefetch(&offsets[user]);
    __builtin_prefetch(&offsets[user + 1]);
  }
};

struct InteractionLog {
  std::string file;
  // Per user id: interactions by time (ties in file order). Users without interactions have none.
  UserHistories by_user;
  Index num_items = 0;  // largest item id + 1
  // Per user index: the id as written in the file (they differ with `ids: remap`).
  std::vector<long long> written_user_id;
};

// Reads the log; ids are checked against the Embedding bounds of the user and item inputs when given.
// Throws DataError naming the file and line.
InteractionLog read_interaction_log(const Args& args, const std::optional<IdLimit>& user_limit,
                                    const std::optional<IdLimit>& item_limit);

// Every user's items in the order of their history: 4 bytes an interaction, where the log holds 16.
ItemLists history_items(const UserHistories& histories);

}  // namespace yamlnet
