#pragma once
// An interaction log (user, item, optional rating, optional time per line; MovieLens's u.data as is), read
// into per-user, time-ordered histories. Shared by the implicit_feedback (NCF) and next_item_sequences
// (YouTube-DNN) pipelines, which differ only in what they build from the histories.
#include <optional>
#include <string>
#include <vector>

#include "interpreter/core/real.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

struct IdLimit;

// The arguments that say how to read the log (path, delimiter, columns, rating threshold, ids).
std::vector<ArgSpec> interaction_log_args();

struct Interaction {
  Index user, item;
  double time;
  long line;  // in the file, for messages
};

struct InteractionLog {
  std::string file;
  // Per user id: interactions by time (ties in file order). Users without interactions have none.
  std::vector<std::vector<Interaction>> by_user;
  Index num_items = 0;  // largest item id + 1
  // Per user index: the id as written in the file (they differ with `ids: remap`).
  std::vector<long long> written_user_id;
};

// Reads the log; ids are checked against the Embedding bounds of the user and item inputs when given.
// Throws DataError naming the file and line.
InteractionLog read_interaction_log(const Args& args, const std::optional<IdLimit>& user_limit,
                                    const std::optional<IdLimit>& item_limit);

}  // namespace yamlnet
