#include "interpreter/data/next_item_sequences.hpp"

#include <algorithm>

#include "interpreter/data/sequences.hpp"
#include "interpreter/graph/graph.hpp"

namespace yamlnet {

const std::vector<ArgSpec>& next_item_sequences_table() {
  static const std::vector<ArgSpec> table = [] {
    std::vector<ArgSpec> t = interaction_log_args();
    const std::vector<ArgSpec> own{
        int_arg("max_len", 50, "items of history per example (pad_sequences's maxlen)", 1),
        enum_arg("padding", "pre", {"pre", "post"}, "pad at the start (pre) or the end (post) of a history"),
        enum_arg("truncating", "pre", {"pre", "post"},
                 "long histories: drop items from the start (pre) or the end (post) of the history, after "
                 "reverse"),
        int_arg("value", 0, "the padding id (an item id may not equal it)"),
        bool_arg("reverse", false,
                 "newest item first; applied first, then truncating and padding (the YouTube-DNN code's "
                 "order: reverse with truncating post keeps the newest items)"),
        bool_arg("validation", true, "hold out each user's second-to-last item for validation"),
        bool_arg("exclude_seen", true, "rankings leave out the items a user already had"),
        string_arg("history_input", "history", "the model input that takes the padded history"),
        string_arg("user_input", "", "the model input that takes the user id (optional)"),
        string_arg("length_input", "", "the model input that takes the history length (optional)"),
    };
    t.insert(t.end(), own.begin(), own.end());
    return t;
  }();
  return table;
}

namespace {

// The distinct items of list[0, end), sorted.
std::vector<Index> items_before(std::span<const Interaction> list, size_t end) {
  std::vector<Index> seen;
  for (size_t k = 0; k < end; ++k) seen.push_back(list[k].item);
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  return seen;
}

}  // namespace

NextItemSequences::NextItemSequences(const ModelSpec& spec, const Graph& model) {
  const Args& a = spec.data.args;
  max_len_ = a.integer("max_len");
  padding_ = a.string("padding");
  truncating_ = a.string("truncating");
  value_ = static_cast<Real>(a.integer("value"));
  reverse_ = a.boolean("reverse");
  exclude_seen_ = a.boolean("exclude_seen");
  history_input_ = a.string("history_input");
  user_input_ = a.string("user_input");
  length_input_ = a.string("length_input");
  const std::string file = a.string("path");
  if (model.num_outputs() != 1)
    throw DataError(file, "next_item_sequences data feeds a model with one output (the user vector)");
  target_name_ = model.output_name(0);
  std::optional<IdLimit> item_limit, user_limit;
  bool has_history = false;
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    const std::string& n = model.input_node(i).layer->name();
    if (n == history_input_) {
      slots_.push_back(0);
      has_history = true;
      item_limit = model.input_id_limit(i);
    } else if (!user_input_.empty() && n == user_input_) {
      slots_.push_back(1);
      user_limit = model.input_id_limit(i);
    } else if (!length_input_.empty() && n == length_input_) {
      slots_.push_back(2);
    } else {
      throw DataError(file, "model input '" + n +
                                "' is not fed by next_item_sequences data (history_input: '" +
                                history_input_ + "', user_input: '" + user_input_ + "', length_input: '" +
                                length_input_ + "')");
    }
  }
  if (!has_history)
    throw DataError(file, "the model has no input '" + history_input_ + "' (data.history_input)");
  log_ = read_interaction_log(a, user_limit, item_limit);
  for (const auto& list : log_.by_user)
    for (const auto& e : list)
      if (static_cast<Real>(e.item) == value_)
        throw DataError(file, e.line,
                        "item id " + std::to_string(e.item) + " is the padding value (data.value)");

  // Training examples: every position after the first of the part of each history that is not held out.
  const size_t held = a.boolean("validation") ? 2 : 1;
  std::vector<std::vector<Real>> histories;
  std::vector<Real> users, lengths, targets;
  std::vector<long> lines;
  for (Index u = 0; u < num_users(); ++u) {
    const auto& list = log_.by_user[u];
    const size_t keep = list.size() > held ? list.size() - held : std::min<size_t>(list.size(), 1);
    for (size_t k = 1; k < keep; ++k) {
      add_row(histories, users, lengths, targets, u, list, k, list[k].item);
      lines.push_back(list[k].line);
    }
  }
  if (targets.empty()) throw DataError(file, "no user has two interactions before the held-out ones");
  train_ = make_dataset(histories, users, lengths, targets, std::move(lines));
  test_ = held_out(1);
  if (a.boolean("validation")) validation_ = held_out(2);
  splits.train = train_;
  if (validation_.size() > 0) splits.validation = validation_.rows;
  if (test_.size() > 0) splits.test = test_.rows;
}

void NextItemSequences::add_row(std::vector<std::vector<Real>>& histories, std::vector<Real>& users,
                                std::vector<Real>& lengths, std::vector<Real>& targets, Index user,
                                std::span<const Interaction> list, size_t end, Index target) const {
  // In the YouTube-DNN code's order: reverse the whole history (newest first), then truncate and pad it as
  // pad_sequences does. So reverse with truncating: post keeps the newest max_len items, and reverse with
  // truncating: pre the oldest, exactly as the code it is ported from.
  std::vector<Real> items;
  items.reserve(end);
  for (size_t k = 0; k < end; ++k) items.push_back(static_cast<Real>(list[k].item));
  if (reverse_) std::reverse(items.begin(), items.end());
  const size_t n = std::min<size_t>(end, static_cast<size_t>(max_len_));
  if (truncating_ == "pre")
    items.erase(items.begin(), items.end() - static_cast<std::ptrdiff_t>(n));
  else
    items.resize(n);
  histories.push_back(std::move(items));
  users.push_back(static_cast<Real>(user));
  lengths.push_back(static_cast<Real>(n));
  targets.push_back(static_cast<Real>(target));
}

Dataset NextItemSequences::make_dataset(const std::vector<std::vector<Real>>& histories,
                                        const std::vector<Real>& users, const std::vector<Real>& lengths,
                                        const std::vector<Real>& targets, std::vector<long> lines) const {
  const auto rows = static_cast<Index>(targets.size());
  Dataset ds;
  auto column = [&](const std::vector<Real>& values) {
    Tensor t({rows, 1});
    std::copy(values.begin(), values.end(), t.data.begin());
    return t;
  };
  for (int slot : slots_) {
    if (slot == 0)
      ds.inputs.push_back(DataArray{
          history_input_, pad_sequences(histories, max_len_, padding_, "pre", value_), log_.file, lines});
    if (slot == 1) ds.inputs.push_back(DataArray{user_input_, column(users), log_.file, lines});
    if (slot == 2) ds.inputs.push_back(DataArray{length_input_, column(lengths), log_.file, lines});
  }
  ds.targets.push_back(DataArray{target_name_, column(targets), log_.file, std::move(lines)});
  return ds;
}

HeldOutItems NextItemSequences::held_out(size_t from_end) const {
  HeldOutItems out;
  std::vector<std::vector<Real>> histories;
  std::vector<Real> users, lengths, targets;
  std::vector<long> lines;
  for (Index u = 0; u < num_users(); ++u) {
    const auto& list = log_.by_user[u];
    if (list.size() < from_end + 1) continue;  // no history before the held-out item
    const size_t at = list.size() - from_end;
    add_row(histories, users, lengths, targets, u, list, at, list[at].item);
    lines.push_back(list[at].line);
    out.users.push_back(u);
    out.seen.push_back(items_before(list, at));
  }
  if (!targets.empty()) out.rows = make_dataset(histories, users, lengths, targets, std::move(lines));
  return out;
}

HeldOutItems NextItemSequences::serving_rows(const std::vector<Index>& users) const {
  HeldOutItems out;
  std::vector<std::vector<Real>> histories;
  std::vector<Real> user_ids, lengths, targets;
  std::vector<long> lines;
  for (Index u : users) {
    if (u < 0 || u >= num_users() || log_.by_user[u].empty())
      throw DataError(log_.file, "user " + std::to_string(u) + " has no interactions in the log");
    const auto& list = log_.by_user[u];
    add_row(histories, user_ids, lengths, targets, u, list, list.size(), list.back().item);
    lines.push_back(list.back().line);
    out.users.push_back(u);
    out.seen.push_back(items_before(list, list.size()));
  }
  out.rows = make_dataset(histories, user_ids, lengths, targets, std::move(lines));
  return out;
}

std::vector<double> NextItemSequences::item_counts() const {
  std::vector<double> counts(static_cast<size_t>(log_.num_items), 0.0);
  for (Real t : train_.targets[0].values.data) counts[static_cast<size_t>(t)] += 1.0;
  return counts;
}

}  // namespace yamlnet
