#include "interpreter/data/interaction_log.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

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
  std::vector<long long> written_ids;  // per event
  std::map<long long, Index> user_ids, item_ids;
  const bool remap = a.string("ids") == "remap";
  check_regular_file(log.file);
  std::ifstream in(log.file);
  if (!in) throw DataError(log.file, "cannot open the file");
  const char delimiter = delimiter_char(a.string("delimiter"), '\t');
  const Index rating_col = a.integer("rating_column"), time_col = a.integer("time_column");
  const double threshold = a.number("rating_threshold");
  std::string text;
  long line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (a.boolean("header") && line == 1) continue;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    const auto fields = split_line(text, delimiter);
    const double u = number_field(fields, a.integer("user_column"), log.file, line);
    const double i = number_field(fields, a.integer("item_column"), log.file, line);
    if (u != std::floor(u) || i != std::floor(i) || u < 0 || i < 0)
      throw DataError(log.file, line, "user and item ids must be non-negative integers");
    if (u > kLargestId || i > kLargestId)
      throw DataError(log.file, line,
                      "id " + shortest_text(std::max(u, i)) +
                          " is beyond the largest id a log may hold (2^53, exact in a double)");
    if (rating_col >= 0 && number_field(fields, rating_col, log.file, line) < threshold) continue;
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
    events.push_back(Interaction{user, item, time, line});
    written_ids.push_back(static_cast<long long>(u));
  }
  if (events.empty()) throw DataError(log.file, "no positive interactions (check rating_threshold)");
  Index num_users = 0;
  const Interaction* largest_user = &events[0];
  for (const auto& e : events) {
    if (e.user + 1 > num_users) {
      num_users = e.user + 1;
      largest_user = &e;
    }
    log.num_items = std::max(log.num_items, e.item + 1);
  }
  // Ids index tables (one history per user, one count per item): a stray huge id would ask for terabytes.
  const double table_bytes = static_cast<double>(num_users) * sizeof(std::vector<Interaction>) +
                             static_cast<double>(log.num_items) * 3 * sizeof(double);
  if (table_bytes > static_cast<double>(physical_memory_bytes()))
    throw DataError(log.file, largest_user->line,
                    "ids up to " + std::to_string(std::max(num_users, log.num_items) - 1) + " would need " +
                        std::to_string(static_cast<long long>(table_bytes / 1e9)) +
                        " GB of per-id tables, more than this machine has; renumber them with `ids: remap`");
  log.by_user.resize(static_cast<size_t>(num_users));
  log.written_user_id.resize(static_cast<size_t>(num_users));
  for (size_t k = 0; k < events.size(); ++k) {
    log.by_user[events[k].user].push_back(events[k]);
    log.written_user_id[events[k].user] = written_ids[k];
  }
  for (auto& list : log.by_user)
    std::stable_sort(list.begin(), list.end(),
                     [](const Interaction& x, const Interaction& y) { return x.time < y.time; });
  return log;
}

}  // namespace yamlnet
