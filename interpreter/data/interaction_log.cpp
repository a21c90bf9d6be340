#include "interpreter/data/interaction_log.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include "interpreter/core/memory.hpp"
#include "interpreter/data/sources.hpp"
#include "interpreter/data/text_fields.hpp"
#include "interpreter/graph/graph.hpp"

namespace yamlnet {

std::vector<ArgSpec> interaction_log_args() {
  return {
      required(
          string_arg("path", std::nullopt, "interaction log: user, item, optional rating and time per line")),
      string_arg("delimiter", "\\t", "field separator (\\t for a tab)"),
      bool_arg("header", false, "the first line names the columns"),
      int_arg("user_column", 0, "0-based column of the user id", 0),
      int_arg("item_column", 1, "0-based column of the item id", 0),
      int_arg("rating_column", 2, "0-based column of the rating (-1: none)", -1),
      int_arg("time_column", 3, "0-based column of the timestamp (-1: none; file order)", -1),
      float_arg("rating_threshold", 0.0, "interactions rated at least this are positives"),
      enum_arg("ids", "as_given", {"as_given", "remap"},
               "use the ids as written, or renumber them 1, 2, ... in order of appearance (0 stays padding)"),
  };
}

namespace {

constexpr double kLargestId = 9007199254740992.0;  // 2^53
constexpr Index kLargestStoredId = 2147483647;     // 2^31 - 1: interactions keep 32-bit ids

std::string shortest_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void check_limit(const std::optional<IdLimit>& limit, Index id, const char* what, const std::string& file,
                 long line) {
  if (limit && id >= limit->limit)
    throw DataError(file, line,
                    std::string(what) + " id " + std::to_string(id) + " >= input_dim " +
                        std::to_string(limit->limit) + " of layer '" + limit->layer + "'");
}

}  // namespace

InteractionLog read_interaction_log(const Args& a, const std::optional<IdLimit>& user_limit,
                                    const std::optional<IdLimit>& item_limit) {
  InteractionLog log;
  log.file = a.string("path");
  std::vector<Interaction> events;
  std::vector<std::int32_t> users;  // per event, until they are grouped
  std::unordered_map<long long, Index> user_ids, item_ids;
  const bool remap = a.string("ids") == "remap";
  check_regular_file(log.file);
  const char delimiter = delimiter_char(a.string("delimiter"), '\t');
  const Index rating_col = a.integer("rating_column"), time_col = a.integer("time_column");
  const Index user_col = a.integer("user_column"), item_col = a.integer("item_column");
  const bool header = a.boolean("header");
  const double threshold = a.number("rating_threshold");
  std::vector<std::string_view> fields;
  long line = 0;
  const auto take_line = [&](std::string_view text) {
    ++line;
    if (header && line == 1) return;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) return;
    split_line_views(text, delimiter, fields);
    const double u = number_field(fields, user_col, log.file, line);
    const double i = number_field(fields, item_col, log.file, line);
    if (u != std::floor(u) || i != std::floor(i) || u < 0 || i < 0)
      throw DataError(log.file, line, "user and item ids must be non-negative integers");
    if (u > kLargestId || i > kLargestId)
      throw DataError(log.file, line,
                      "id " + shortest_text(std::max(u, i)) +
                          " is beyond the largest id a log may hold (2^53, exact in a double)");
    if (rating_col >= 0 && number_field(fields, rating_col, log.file, line) < threshold) return;
    const double time =
        time_col >= 0 ? number_field(fields, time_col, log.file, line) : static_cast<double>(line);
    auto user = static_cast<Index>(u), item = static_cast<Index>(i);
    if (remap) {
      user =
          user_ids.emplace(static_cast<long long>(u), static_cast<Index>(user_ids.size()) + 1).first->second;
      item =
          item_ids.emplace(static_cast<long long>(i), static_cast<Index>(item_ids.size()) + 1).first->second;
    }
    check_limit(user_limit, user, "user", log.file, line);
    check_limit(item_limit, item, "item", log.file, line);
    if (std::max(user, item) > kLargestStoredId)
      throw DataError(
          log.file, line,
          "id " + std::to_string(std::max(user, item)) +
              " is beyond 2^31 - 1, the largest id a log may hold; renumber them with `ids: remap`");
    if (line > static_cast<long>(UINT32_MAX))
      throw DataError(log.file, line, "a log may have at most 2^32 - 1 lines; split it");
    events.push_back(Interaction{static_cast<std::int32_t>(item), static_cast<std::uint32_t>(line), time});
    users.push_back(static_cast<std::int32_t>(user));
    // Renumbered users are numbered densely from 1, so this table stays as small as the user count.
    if (remap) {
      if (static_cast<size_t>(user) >= log.written_user_id.size())
        log.written_user_id.resize(static_cast<size_t>(user) + 1, 0);
      log.written_user_id[static_cast<size_t>(user)] = static_cast<long long>(u);
    }
  };
  // About 25 bytes a line in u.data's format: reserved once, the events are never copied as they grow
  // (untouched reserved pages cost no memory).
  // (A file that cannot be read is reported by for_each_line, with its name.)
  std::error_code unreadable;
  const auto bytes = std::filesystem::file_size(log.file, unreadable);
  if (!unreadable) {
    events.reserve(static_cast<size_t>(bytes) / 24 + 1);
    users.reserve(events.capacity());
  }
  for_each_line(log.file, take_line);
  if (events.empty()) throw DataError(log.file, "no positive interactions (check rating_threshold)");
  Index num_users = 0;
  size_t largest_user = 0;
  for (size_t k = 0; k < events.size(); ++k) {
    if (Index{users[k]} + 1 > num_users) {
      num_users = Index{users[k]} + 1;
      largest_user = k;
    }
    log.num_items = std::max(log.num_items, Index{events[k].item} + 1);
  }
  // Ids index tables (an offset and a written id per user, counts per item): a stray huge id would ask for
  // terabytes.
  const double table_bytes = static_cast<double>(num_users) * 3 * sizeof(double) +
                             static_cast<double>(log.num_items) * 3 * sizeof(double);
  if (table_bytes > static_cast<double>(physical_memory_bytes()))
    throw DataError(log.file, events[largest_user].line,
                    "ids up to " + std::to_string(std::max(num_users, log.num_items) - 1) + " would need " +
                        std::to_string(static_cast<long long>(table_bytes / 1e9)) +
                        " GB of per-id tables, more than this machine has; renumber them with `ids: remap`");
  log.written_user_id.resize(static_cast<size_t>(num_users), 0);
  if (!remap)
    for (size_t u = 0; u < log.written_user_id.size(); ++u)
      log.written_user_id[u] = static_cast<long long>(u);
  log.by_user = UserHistories(std::move(events), std::move(users), num_users);
  return log;
}

RangeIndex::RangeIndex(const std::vector<size_t>& offsets) {
  const size_t total = offsets.back(), blocks = (total >> kBlockBits) + 1;
  first_.reserve(blocks + 1);
  for (size_t b = 0; b < blocks; ++b) {
    const size_t position = b << kBlockBits;
    const auto holder = std::upper_bound(offsets.begin(), offsets.end(), position) - offsets.begin() - 1;
    first_.push_back(static_cast<uint32_t>(std::min<std::ptrdiff_t>(holder, std::ssize(offsets) - 2)));
  }
  first_.push_back(static_cast<uint32_t>(offsets.size() - 2));
}

ItemLists history_items(const UserHistories& histories) {
  ItemLists out;
  size_t interactions = 0;
  for (const auto list : histories) interactions += list.size();
  out.items.reserve(interactions);
  out.offsets.reserve(histories.size() + 1);
  for (const auto list : histories) {
    for (const auto& e : list) out.items.push_back(static_cast<uint32_t>(e.item));
    out.end_user();
  }
  return out;
}

UserHistories::UserHistories(std::vector<Interaction>&& events, std::vector<std::int32_t>&& users,
                             Index num_users)
    : events_(std::move(events)) {
  const auto count = static_cast<size_t>(num_users);
  offsets_.assign(count + 1, 0);
  for (const auto u : users) ++offsets_[static_cast<size_t>(u) + 1];
  for (size_t u = 0; u < count; ++u) offsets_[u + 1] += offsets_[u];
  // In-place counting sort by user (each event swapped straight to a free slot of its user's range, its user
  // with it): no second array of events. Not stable; the line restores file order among equal times below.
  std::vector<size_t> next(offsets_.begin(), offsets_.end() - 1);
  for (size_t u = 0; u < count; ++u)
    while (next[u] < offsets_[u + 1]) {
      const size_t at = next[u];
      const auto owner = static_cast<size_t>(users[at]);
      if (owner == u) {
        ++next[u];
      } else {
        const size_t to = next[owner]++;
        std::swap(events_[at], events_[to]);
        std::swap(users[at], users[to]);
      }
    }
  users = {};
  for (size_t u = 0; u < count; ++u)
    std::sort(events_.begin() + static_cast<long>(offsets_[u]),
              events_.begin() + static_cast<long>(offsets_[u + 1]),
              [](const Interaction& x, const Interaction& y) {
                return x.time < y.time || (x.time == y.time && x.line < y.line);
              });
}

}  // namespace yamlnet
