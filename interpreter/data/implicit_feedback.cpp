#include "interpreter/data/implicit_feedback.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "interpreter/core/memory.hpp"
#include "interpreter/data/interaction_log.hpp"
#include "interpreter/graph/graph.hpp"

namespace yamlnet {

const std::vector<ArgSpec>& implicit_feedback_table() {
  static const std::vector<ArgSpec> table = [] {
    std::vector<ArgSpec> t = interaction_log_args();
    const std::vector<ArgSpec> own{
        enum_arg("split", "leave_one_out", {"leave_one_out", "random"},
                 "hold out each user's latest interactions, or a random fraction of all"),
        float_arg("test_fraction", 0.1,
                  "split: random: fraction held out for test (and as much for validation)", 0.0, 0.5),
        bool_arg("validation", true,
                 "also hold out a validation item per user (the one before the test item)"),
        int_arg("negatives_per_positive", 4, "negatives drawn per training positive, every epoch", 0),
        int_arg("eval_negatives", 99, "never-interacted items ranked against each held-out item", 1),
        string_arg("user_input", "user", "the model input that takes user ids"),
        string_arg("item_input", "item", "the model input that takes item ids"),
    };
    t.insert(t.end(), own.begin(), own.end());
    return t;
  }();
  return table;
}

ImplicitFeedback::ImplicitFeedback(const ModelSpec& spec, const Graph& model, bool defer_test)
    : negatives_(spec.data.args.integer("negatives_per_positive")),
      eval_negatives_(spec.data.args.integer("eval_negatives")),
      seed_(spec.seed) {
  const Args& a = spec.data.args;
  file_ = a.string("path");
  user_input_ = a.string("user_input");
  item_input_ = a.string("item_input");
  bool found_user = false, found_item = false;
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    const std::string& n = model.input_node(i).layer->name();
    if (n == user_input_) user_slot_ = i, found_user = true;
    if (n == item_input_) item_slot_ = i, found_item = true;
  }
  if (!found_user || !found_item || model.num_inputs() != 2 || model.num_outputs() != 1)
    throw DataError(file_, "implicit_feedback data feeds a model with inputs '" + user_input_ + "' and '" +
                               item_input_ + "' (data.user_input / data.item_input) and one output");
  target_name_ = model.output_name(0);

  InteractionLog log =
      read_interaction_log(a, model.input_id_limit(user_slot_), model.input_id_limit(item_slot_));
  const auto item_limit = model.input_id_limit(item_slot_);
  num_items_ = log.num_items;
  // Negatives are drawn from every id the item Embedding knows, except 0 (padding) when it is unused.
  if (item_limit) num_items_ = std::max(num_items_, item_limit->limit);
  const auto num_users = static_cast<Index>(log.by_user.size());
  std::vector<std::pair<Index, Index>> validation, test;
  Random split_rng(seed_ ^ 0x51u);
  const bool leave_one_out = a.string("split") == "leave_one_out";
  const bool hold_validation = a.boolean("validation");
  const double fraction = a.number("test_fraction");
  // Sized once: growing by doubling would hold up to twice the 4 bytes per interaction for a moment.
  size_t interactions = 0;
  for (const auto list : log.by_user) interactions += list.size();
  positives_.items.reserve(interactions);
  std::vector<uint32_t> first_line(static_cast<size_t>(num_users), 0);  // for messages, once the log is gone
  for (Index u = 0; u < num_users; ++u) {
    const auto& list = log.by_user[u];
    if (!list.empty()) first_line[static_cast<size_t>(u)] = list.front().line;
    size_t keep = list.size();
    if (leave_one_out) {
      if (keep >= 2) test.emplace_back(u, list[--keep].item);
      if (hold_validation && keep >= 2) validation.emplace_back(u, list[--keep].item);
      for (size_t k = 0; k < keep; ++k) positives_.items.push_back(static_cast<uint32_t>(list[k].item));
    } else {
      for (const auto& e : list) {
        const double r = split_rng.uniform();
        if (r < fraction)
          test.emplace_back(u, e.item);
        else if (hold_validation && r < 2 * fraction)
          validation.emplace_back(u, e.item);
        else
          positives_.items.push_back(static_cast<uint32_t>(e.item));
      }
    }
    positives_.end_user();
  }
  positives_.index_owners();
  // Everything needed is now in positives_ and the held-out pairs: the log goes before the lists of seen
  // items are made from them, so the two are never held together (the peak of reading MovieLens-20M).
  log = InteractionLog{};
  seen_.items.reserve(interactions);
  size_t next_validation = 0, next_test = 0;
  for (Index u = 0; u < num_users; ++u) {
    const auto first = seen_.items.end() - seen_.items.begin();
    const auto mine = positives_[static_cast<size_t>(u)];
    seen_.items.insert(seen_.items.end(), mine.begin(), mine.end());
    // The held-out pairs are in user order, as the loop above made them.
    const auto take_held_out = [&](const std::vector<std::pair<Index, Index>>& held, size_t& k) {
      for (; k < held.size() && held[k].first == u; ++k)
        seen_.items.push_back(static_cast<uint32_t>(held[k].second));
    };
    take_held_out(validation, next_validation);
    take_held_out(test, next_test);
    std::sort(seen_.items.begin() + first, seen_.items.end());
    seen_.items.erase(std::unique(seen_.items.begin() + first, seen_.items.end()), seen_.items.end());
    seen_.end_user();
  }
  check_negatives_exist(first_line);
  // The memory the ranking sets take (user, item and target per row), checked before they are allocated. An
  // epoch's rows are made batch by batch, in an order that is computed, not held: only their number is
  // bounded (the trainer's 2^32 rows).
  const uint64_t budget = spec.max_memory ? spec.max_memory : physical_memory_bytes();
  const double eval_rows = static_cast<double>(validation.size() + test.size()) * (1.0 + eval_negatives_);
  const double eval_bytes = eval_rows * 3.0 * sizeof(Real);
  if (eval_bytes > static_cast<double>(budget))
    throw DataError(file_, "data.eval_negatives makes " + std::to_string(static_cast<long long>(eval_rows)) +
                               " rows, which would take " +
                               std::to_string(static_cast<long long>(eval_bytes / 1e6)) + " MB, more than " +
                               (spec.max_memory ? "max_memory" : "this machine's memory") + " (" +
                               std::to_string(budget / 1000000) + " MB)");
  validation_ = ranking_set(validation, 0xa11d, splits.validation);
  if (defer_test)
    deferred_test_ = std::move(test);
  else
    test_ = ranking_set(test, 0x7e57, splits.test);
  splits.train = Dataset{};  // made batch by batch (fill_rows)
}

void ImplicitFeedback::release_validation_split() {
  validation_ = RankingSet{};
  splits.validation.reset();
}

void ImplicitFeedback::make_test_split() {
  if (deferred_test_.empty()) return;
  test_ = ranking_set(deferred_test_, 0x7e57, splits.test);
  deferred_test_ = {};
}

void ImplicitFeedback::check_negatives_exist(const std::vector<uint32_t>& first_line) const {
  // Negatives are drawn until one the user never had comes up: a user who had every item would never stop.
  const Index candidates = num_items_ - 1;  // ids 1 .. num_items - 1
  for (size_t u = 0; u < seen_.users(); ++u) {
    const auto items = seen_[u];
    if (items.empty()) continue;
    const Index seen = static_cast<Index>(items.size()) - (items.front() == 0 ? 1 : 0);
    if (seen < candidates) continue;
    throw DataError(file_, first_line[u],
                    "user " + std::to_string(u) + " interacted with every one of the " +
                        std::to_string(candidates) +
                        " items, so no negative item can be drawn for it; drop the user or widen the item "
                        "Embedding's input_dim");
  }
}

bool ImplicitFeedback::interacted(Index user, Index item) const {
  const auto items = seen_[static_cast<size_t>(user)];
  return std::binary_search(items.begin(), items.end(), item);
}

Dataset ImplicitFeedback::candidate_pairs(Index user) const {
  if (user < 0 || user >= num_users() || seen_[static_cast<size_t>(user)].empty())
    throw DataError(file_, "user " + std::to_string(user) + " has no interactions in the log");
  const Index rows = num_items_ - 1;
  Dataset ds;
  ds.inputs.resize(2);
  ds.inputs[user_slot_] = DataArray{user_input_, Tensor({rows, 1}), file_, {}};
  ds.inputs[item_slot_] = DataArray{item_input_, Tensor({rows, 1}), file_, {}};
  for (Index r = 0; r < rows; ++r) {
    ds.inputs[user_slot_].values.data[r] = static_cast<Real>(user);
    ds.inputs[item_slot_].values.data[r] = static_cast<Real>(r + 1);
  }
  return ds;
}

std::vector<double> ImplicitFeedback::item_counts() const {
  std::vector<double> counts(static_cast<size_t>(num_items_), 0.0);
  for (const uint32_t item : positives_.items) counts[item] += 1.0;
  return counts;
}

Index ImplicitFeedback::draw_negative(Index user, Random& rng) const {
  // Ids 1.. (0 is padding); rejection sampling never returns an item the user interacted with.
  for (;;) {
    const Index item = 1 + rng.below(num_items_ - 1);
    if (!interacted(user, item)) return item;
  }
}

RankingSet ImplicitFeedback::ranking_set(const std::vector<std::pair<Index, Index>>& held_out, uint64_t salt,
                                         std::optional<Dataset>& split) const {
  RankingSet set;
  set.group_size = 1 + eval_negatives_;
  if (held_out.empty()) return set;
  const Index rows = static_cast<Index>(held_out.size()) * set.group_size;
  Dataset& ds = split.emplace();
  set.rows = &ds;
  ds.inputs.resize(2);
  ds.inputs[user_slot_] = DataArray{user_input_, Tensor({rows, 1}), file_, {}};
  ds.inputs[item_slot_] = DataArray{item_input_, Tensor({rows, 1}), file_, {}};
  ds.targets.push_back(DataArray{target_name_, Tensor({rows, 1}), file_, {}});
  Random rng(seed_ ^ salt);
  Index r = 0;
  for (const auto& [user, item] : held_out)
    for (Index k = 0; k < set.group_size; ++k, ++r) {
      ds.inputs[user_slot_].values.data[r] = static_cast<Real>(user);
      ds.inputs[item_slot_].values.data[r] = static_cast<Real>(k == 0 ? item : draw_negative(user, rng));
      ds.targets[0].values.data[r] = k == 0 ? Real(1) : Real(0);
    }
  return set;
}

void ImplicitFeedback::fill_rows(int epoch, const RowOrder& order, Index begin, Index end,
                                 const BatchBuffers& out) const {
  const Index per = 1 + negatives_, rows = end - begin;
  Tensor& users = *out.inputs[user_slot_];
  Tensor& items = *out.inputs[item_slot_];
  Tensor& labels = *out.targets[0];
  users.resize({rows, 1});
  items.resize({rows, 1});
  labels.resize({rows, 1});
  const Random epoch_rng = Random(seed_ ^ 0x9e6u).split(static_cast<uint64_t>(epoch) + 1);
  for (Index r = 0; r < rows; ++r) {
    const Index row = order[static_cast<size_t>(begin + r)];
    const auto positive = static_cast<size_t>(row / per);
    const auto user = static_cast<Index>(positives_.owner(positive));
    const uint32_t item = positives_.items[positive];
    users.data[r] = static_cast<Real>(user);
    if (row % per == 0) {
      items.data[r] = static_cast<Real>(item);
      labels.data[r] = Real(1);
    } else {
      Random rng = epoch_rng.split(static_cast<uint64_t>(row));
      items.data[r] = static_cast<Real>(draw_negative(user, rng));
      labels.data[r] = Real(0);
    }
  }
}

}  // namespace yamlnet
