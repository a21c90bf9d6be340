#include "interpreter/data/next_item_sequences.hpp"

#include <algorithm>

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
  auto kept = [&](const auto& list) {
    return list.size() > held ? list.size() - held : std::min<size_t>(list.size(), 1);
  };
  size_t rows = 0;
  for (const auto& list : log_.by_user) rows += std::max<size_t>(kept(list), 1) - 1;
  if (rows == 0) throw DataError(file, "no user has two interactions before the held-out ones");
  ExampleRows examples(rows, max_len_, value_);
  for (Index u = 0; u < num_users(); ++u) {
    const auto& list = log_.by_user[u];
    for (size_t k = 1; k < kept(list); ++k) add_row(examples, u, list, k, list[k]);
  }
  splits.train = make_dataset(std::move(examples));  // the one copy of the largest data (4 GB at 20M)
  test_ = held_out(1);
  if (a.boolean("validation")) validation_ = held_out(2);
  if (validation_.size() > 0) splits.validation = validation_.rows;
  if (test_.size() > 0) splits.test = test_.rows;
}

NextItemSequences::ExampleRows::ExampleRows(size_t rows, Index max_len, Real value) {
  histories.assign(rows * static_cast<size_t>(max_len), value);
  users.reserve(rows);
  lengths.reserve(rows);
  targets.reserve(rows);
  lines.reserve(rows);
}

void NextItemSequences::add_row(ExampleRows& rows, Index user, std::span<const Interaction> list, size_t end,
                                const Interaction& target) const {
  // In the YouTube-DNN code's order: reverse the whole history (newest first), then truncate and pad it as
  // pad_sequences does. So reverse with truncating: post keeps the newest max_len items, and reverse with
  // truncating: pre the oldest, exactly as the code it is ported from. The kept items are written straight
  // into the row (a copy of the whole history per example would cost the square of a long history).
  const size_t n = std::min<size_t>(end, static_cast<size_t>(max_len_));
  const size_t row = rows.targets.size();
  // The n kept items in chronological order are list[first, first + n).
  const bool keep_oldest = (truncating_ == "pre") == reverse_;
  const size_t first = keep_oldest ? 0 : end - n;
  const size_t width = static_cast<size_t>(max_len_);
  Real* out = rows.histories.data() + row * width + (padding_ == "pre" ? width - n : 0);
  for (size_t k = 0; k < n; ++k) {
    const size_t from = reverse_ ? first + n - 1 - k : first + k;
    out[k] = static_cast<Real>(list[from].item);
  }
  rows.users.push_back(static_cast<Real>(user));
  rows.lengths.push_back(static_cast<Real>(n));
  rows.targets.push_back(static_cast<Real>(target.item));
  rows.lines.push_back(target.line);
}

Dataset NextItemSequences::make_dataset(ExampleRows&& rows) const {
  const auto count = static_cast<Index>(rows.targets.size());
  Dataset ds;
  // Each buffer becomes its tensor as it is, without a copy (the training split is the largest data held).
  auto tensor = [count](RealBuffer& values, Index width) {
    Tensor t;
    t.shape = {count, width};
    t.data = std::move(values);
    return t;
  };
  for (int slot : slots_) {
    if (slot == 0)
      ds.inputs.push_back(DataArray{history_input_, tensor(rows.histories, max_len_), log_.file, rows.lines});
    if (slot == 1) ds.inputs.push_back(DataArray{user_input_, tensor(rows.users, 1), log_.file, rows.lines});
    if (slot == 2)
      ds.inputs.push_back(DataArray{length_input_, tensor(rows.lengths, 1), log_.file, rows.lines});
  }
  ds.targets.push_back(DataArray{target_name_, tensor(rows.targets, 1), log_.file, std::move(rows.lines)});
  return ds;
}

HeldOutItems NextItemSequences::held_out(size_t from_end) const {
  HeldOutItems out;
  size_t rows = 0;
  for (const auto& list : log_.by_user) rows += list.size() >= from_end + 1;  // a history before the item
  ExampleRows examples(rows, max_len_, value_);
  for (Index u = 0; u < num_users(); ++u) {
    const auto& list = log_.by_user[u];
    if (list.size() < from_end + 1) continue;
    const size_t at = list.size() - from_end;
    add_row(examples, u, list, at, list[at]);
    out.users.push_back(u);
    out.seen.push_back(items_before(list, at));
  }
  if (rows > 0) out.rows = make_dataset(std::move(examples));
  return out;
}

HeldOutItems NextItemSequences::serving_rows(const std::vector<Index>& users) const {
  HeldOutItems out;
  ExampleRows examples(users.size(), max_len_, value_);
  for (Index u : users) {
    if (u < 0 || u >= num_users() || log_.by_user[u].empty())
      throw DataError(log_.file, "user " + std::to_string(u) + " has no interactions in the log");
    const auto& list = log_.by_user[u];
    add_row(examples, u, list, list.size(), list.back());
    out.users.push_back(u);
    out.seen.push_back(items_before(list, list.size()));
  }
  out.rows = make_dataset(std::move(examples));
  return out;
}

std::vector<double> NextItemSequences::item_counts() const {
  std::vector<double> counts(static_cast<size_t>(log_.num_items), 0.0);
  for (Real t : train().targets[0].values.data) counts[static_cast<size_t>(t)] += 1.0;
  return counts;
}

}  // namespace yamlnet
