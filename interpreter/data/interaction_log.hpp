#pragma once
// An interaction log (user, item, optional rating, optional time per line; MovieLens's u.data as is), read
// into per-user, time-ordered histories. Shared by the implicit_feedback (NCF) and next_item_sequences
// (YouTube-DNN) pipelines, which differ only in what they build from the histories.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "interpreter/core/real.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

struct IdLimit;

// The arguments that say how to read the log (path, delimiter, columns, rating threshold, ids).
std::vector<ArgSpec> interaction_log_args();

// 24 bytes: at MovieLens-20M size the log is 20M of these.
struct Interaction {
  std::int32_t user, item;  // below 2^31 (larger ids are refused when the log is read: `ids: remap`)
  double time;
  long line;  // in the file, for messages
};

// Every user's interactions, by time (ties in file order), in one array with an offset per user: no vector
// per user, and no second copy of the log while it is grouped (20M interactions are 640 MB once).
class UserHistories {
 public:
  UserHistories() = default;
  // Groups `events` by user (0 .. num_users - 1) in place, then orders each user's by time and line.
  UserHistories(std::vector<Interaction>&& events, Index num_users);
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

}  // namespace yamlnet
