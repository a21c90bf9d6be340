#include "interpreter/data/implicit_feedback.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "interpreter/core/memory.hpp"
#include "interpreter/data/interaction_log.hpp"
#include "interpreter/graph/graph.hpp"

namespace yamlnet {

namespace {
// Whether each key is in its sorted list: the searches advance together, one step of each per round, so that
// a round's probes are independent loads whose misses overlap (one search alone waits for each of its own).
template <size_t N>
void search_together(const std::array<std::span<const uint32_t>, N>& lists,
                     const std::array<uint32_t, N>& keys, size_t count, std::array<bool, N>& found) {
  std::array<const uint32_t*, N> base{};
  std::array<size_t, N> left{};
  bool more = false;
  for (size_t g = 0; g < count; ++g) {
    base[g] = lists[g].data();
    left[g] = lists[g].size();
    more = more || left[g] > 1;
  }
  // If the key is in the list, it is in [base, base + left): halved each round until one item is left.
  while (more) {
    more = false;
    for (size_t g = 0; g < count; ++g) {
      if (left[g] <= 1) continue;
      const size_t half = left[g] / 2, next = (left[g] - half) / 2;
      // Both probes the next round may read, asked for before this round's answer is known.
      __builtin_prefetch(base[g] + next);
      __builtin_prefetch(base[g] + half + next);
      base[g] = base[g][half] <= keys[g] ? base[g] + half : base[g];
      left[g] -= half;
      more = more || left[g] > 1;
    }
  }
  for (size_t g = 0; g < count; ++g) found[g] = left[g] == 1 && *base[g] == keys[g];
}
}  // namespace

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
  // A batch's rows are spread over every user of the log: at MovieLens-20M's size, the offsets that find a
  // positive's user, the user's list of interactions and the positive's item are each a miss, and each
  // depends on the one before. Rows go by groups, one step of that chain per pass, each pass asking for what
  // the next will read: a group's misses overlap instead of queueing (the rows come out the same).
  constexpr size_t kGroup = 32;
  std::array<Index, kGroup> row_of{}, user_of{};
  std::array<uint32_t, kGroup> positive_of{}, draw_of{};
  std::array<Random, kGroup> rng_of;  // seeded per negative row below
  std::array<std::span<const uint32_t>, kGroup> list_of{};
  std::array<bool, kGroup> positive_row{}, seen_draw{};
  for (Index first = 0; first < rows; first += static_cast<Index>(kGroup)) {
    const size_t group = static_cast<size_t>(std::min(static_cast<Index>(kGroup), rows - first));
    for (size_t g = 0; g < group; ++g) {
      row_of[g] = order[static_cast<size_t>(begin + first) + g];
      positive_of[g] = static_cast<uint32_t>(row_of[g] / per);
      positive_row[g] = row_of[g] % per == 0;
      positives_.prefetch_owner(positive_of[g]);
      if (positive_row[g]) __builtin_prefetch(&positives_.items[positive_of[g]]);
    }
    for (size_t g = 0; g < group; ++g) {
      user_of[g] = static_cast<Index>(positives_.owner(positive_of[g]));
      if (!positive_row[g]) seen_.prefetch_list_bounds(static_cast<size_t>(user_of[g]));
    }
    // A negative row's first draw, checked against the user's items; drawn again (rarely) if it is one.
    for (size_t g = 0; g < group; ++g) {
      list_of[g] = {};
      if (positive_row[g]) continue;
      rng_of[g] = epoch_rng.split(static_cast<uint64_t>(row_of[g]));
      draw_of[g] = static_cast<uint32_t>(1 + rng_of[g].below(num_items_ - 1));
      list_of[g] = seen_[static_cast<size_t>(user_of[g])];
    }
    search_together(list_of, draw_of, group, seen_draw);
    for (size_t g = 0; g < group; ++g) {
      const Index r = first + static_cast<Index>(g);
      users.data[r] = static_cast<Real>(user_of[g]);
      if (positive_row[g]) {
        items.data[r] = static_cast<Real>(positives_.items[positive_of[g]]);
        labels.data[r] = Real(1);
      } else {
        const Index item = seen_draw[g] ? draw_negative(user_of[g], rng_of[g]) : draw_of[g];
        items.data[r] = static_cast<Real>(item);
        labels.data[r] = Real(0);
      }
    }
  }
}

}  // namespace yamlnet
