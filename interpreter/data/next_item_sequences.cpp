#include "interpreter/data/next_item_sequences.hpp"

#include <algorithm>
#include <array>

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

NextItemSequences::NextItemSequences(const ModelSpec& spec, const Graph& model, bool defer_test)
    : test_deferred_(defer_test) {
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
  {
    const InteractionLog log = read_interaction_log(a, user_limit, item_limit);
    for (const auto& list : log.by_user)
      for (const auto& e : list)
        if (static_cast<Real>(e.item) == value_)
          throw DataError(file, e.line,
                          "item id " + std::to_string(e.item) + " is the padding value (data.value)");
    file_ = log.file;
    num_items_ = log.num_items;
    histories_ = history_items(log.by_user);
  }

  // Training examples: every position after the first of the part of each history that is not held out.
  held_ = a.boolean("validation") ? 2 : 1;
  first_example_.reserve(histories_.users() + 1);
  size_t rows = 0;
  for (size_t u = 0; u < histories_.users(); ++u) {
    const auto list = histories_[u];
    first_example_.push_back(rows);
    rows += std::max<size_t>(kept(list.size()), 1) - 1;
  }
  first_example_.push_back(rows);
  example_owners_ = RangeIndex(first_example_);
  if (rows == 0) throw DataError(file, "no user has two interactions before the held-out ones");
  splits.train = Dataset{};  // made batch by batch (fill_rows)
  if (!test_deferred_) test_ = held_out(1, splits.test);
  if (a.boolean("validation")) validation_ = held_out(2, splits.validation);
}

void NextItemSequences::release_validation_split() {
  validation_ = HeldOutItems{};
  splits.validation.reset();
}

void NextItemSequences::make_test_split() {
  if (!test_deferred_) return;
  test_ = held_out(1, splits.test);
  test_deferred_ = false;
}

NextItemSequences::ExampleRows::ExampleRows(size_t rows, Index max_len, Real value) {
  histories.assign(rows * static_cast<size_t>(max_len), value);
  users.reserve(rows);
  lengths.reserve(rows);
  targets.reserve(rows);
}

size_t NextItemSequences::kept(size_t history) const {
  return history > held_ ? history - held_ : std::min<size_t>(history, 1);
}

std::pair<size_t, size_t> NextItemSequences::kept_items(size_t end) const {
  const size_t n = std::min<size_t>(end, static_cast<size_t>(max_len_));
  const bool keep_oldest = (truncating_ == "pre") == reverse_;
  return {keep_oldest ? 0 : end - n, n};
}

size_t NextItemSequences::write_history(std::span<const uint32_t> list, size_t end, Real* row) const {
  // In the YouTube-DNN code's order: reverse the whole history (newest first), then truncate and pad it as
  // pad_sequences does. So reverse with truncating: post keeps the newest max_len items, and reverse with
  // truncating: pre the oldest, exactly as the code it is ported from. The kept items are written straight
  // into the row (a copy of the whole history per example would cost the square of a long history).
  const auto [first, n] = kept_items(end);
  const size_t width = static_cast<size_t>(max_len_);
  Real* out = row + (padding_ == "pre" ? width - n : 0);
  for (size_t k = 0; k < n; ++k) {
    const size_t from = reverse_ ? first + n - 1 - k : first + k;
    out[k] = static_cast<Real>(list[from]);
  }
  return n;
}

void NextItemSequences::add_row(ExampleRows& rows, Index user, std::span<const uint32_t> list, size_t end,
                                uint32_t target) const {
  const size_t row = rows.targets.size();
  const size_t n = write_history(list, end, rows.histories.data() + row * static_cast<size_t>(max_len_));
  rows.users.push_back(static_cast<Real>(user));
  rows.lengths.push_back(static_cast<Real>(n));
  rows.targets.push_back(static_cast<Real>(target));
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
      ds.inputs.push_back(DataArray{history_input_, tensor(rows.histories, max_len_), file_, {}});
    if (slot == 1) ds.inputs.push_back(DataArray{user_input_, tensor(rows.users, 1), file_, {}});
    if (slot == 2) ds.inputs.push_back(DataArray{length_input_, tensor(rows.lengths, 1), file_, {}});
  }
  ds.targets.push_back(DataArray{target_name_, tensor(rows.targets, 1), file_, {}});
  return ds;
}

HeldOutItems NextItemSequences::held_out(size_t from_end, std::optional<Dataset>& split) const {
  HeldOutItems out;
  size_t rows = 0;
  for (size_t u = 0; u < histories_.users(); ++u)
    rows += histories_[u].size() >= from_end + 1;  // a history before the item
  ExampleRows examples(rows, max_len_, value_);
  for (Index u = 0; u < num_users(); ++u) {
    const auto list = histories_[static_cast<size_t>(u)];
    if (list.size() < from_end + 1) continue;
    const size_t at = list.size() - from_end;
    add_row(examples, u, list, at, list[at]);
    out.users.push_back(u);
    out.ends.push_back(at);
  }
  if (rows > 0) out.rows = &split.emplace(make_dataset(std::move(examples)));
  return out;
}

Dataset NextItemSequences::serving_rows(const std::vector<Index>& users) const {
  ExampleRows examples(users.size(), max_len_, value_);
  for (Index u : users) {
    if (u < 0 || u >= num_users() || histories_[static_cast<size_t>(u)].empty())
      throw DataError(file_, "user " + std::to_string(u) + " has no interactions in the log");
    const auto list = histories_[static_cast<size_t>(u)];
    add_row(examples, u, list, list.size(), list.back());
  }
  return make_dataset(std::move(examples));
}

void NextItemSequences::seen_items(Index user, std::vector<Index>& out, size_t end) const {
  const auto list = histories_[static_cast<size_t>(user)];
  out.assign(list.begin(), list.begin() + static_cast<long>(std::min(end, list.size())));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

std::vector<double> NextItemSequences::item_counts() const {
  std::vector<double> counts(static_cast<size_t>(num_items_), 0.0);
  for (size_t u = 0; u < histories_.users(); ++u) {
    const auto list = histories_[u];
    for (size_t k = 1; k < kept(list.size()); ++k) counts[list[k]] += 1.0;
  }
  return counts;
}

void NextItemSequences::fill_rows(int /*epoch*/, const RowOrder& order, Index begin, Index end,
                                  const BatchBuffers& out) const {
  const Index rows = end - begin;
  for (size_t i = 0; i < slots_.size(); ++i)
    out.inputs[i]->resize({rows, slots_[i] == 0 ? max_len_ : Index{1}});
  out.targets[0]->resize({rows, 1});
  // A batch's rows are spread over every user: at MovieLens-20M's size, the offsets that find a row's user,
  // where that user's history starts, and the history's items are each a miss, each waiting on the one
  // before. Rows go by groups, one link of that chain per pass, each pass asking for what the next reads, so
  // a group's misses overlap (the rows come out the same).
  constexpr Index kGroup = 32;
  std::array<uint64_t, kGroup> row_of{};
  std::array<size_t, kGroup> user_of{}, at_of{};
  for (Index first = 0; first < rows; first += kGroup) {
    const Index group = std::min(kGroup, rows - first);
    for (Index g = 0; g < group; ++g) {
      row_of[g] = order[static_cast<size_t>(begin + first + g)];
      example_owners_.prefetch(first_example_, row_of[g]);
    }
    for (Index g = 0; g < group; ++g) {
      user_of[g] = example_owners_.find(first_example_, row_of[g]);
      __builtin_prefetch(&histories_.offsets[user_of[g]]);
    }
    for (Index g = 0; g < group; ++g) {
      // The position the row predicts; the items of the history it keeps, and the predicted item, asked for.
      const auto list = histories_[user_of[g]];
      at_of[g] = 1 + static_cast<size_t>(row_of[g] - first_example_[user_of[g]]);
      const auto [from, n] = kept_items(at_of[g]);
      for (size_t k = from; k < from + n; k += 64 / sizeof(uint32_t)) __builtin_prefetch(&list[k]);
      __builtin_prefetch(&list[from + n - (n > 0)]);  // the last line, when the items start mid-line
      __builtin_prefetch(&list[at_of[g]]);
    }
    for (Index g = 0; g < group; ++g) write_row(first + g, user_of[g], at_of[g], out);
  }
}

void NextItemSequences::write_row(Index r, size_t user, size_t at, const BatchBuffers& out) const {
  const auto list = histories_[user];
  size_t length = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i] != 0) continue;
    Real* history = out.inputs[i]->ptr() + r * max_len_;
    std::fill_n(history, max_len_, value_);
    length = write_history(list, at, history);
  }
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i] == 1) out.inputs[i]->data[r] = static_cast<Real>(user);
    if (slots_[i] == 2) out.inputs[i]->data[r] = static_cast<Real>(length);
  }
  out.targets[0]->data[r] = static_cast<Real>(list[at]);
}

Dataset NextItemSequences::training_examples() const {
  RowOrder order;
  order.set_identity(epoch_rows());
  Dataset ds;
  ds.inputs.resize(slots_.size());
  ds.targets.resize(1);
  BatchBuffers buffers;
  for (auto& input : ds.inputs) buffers.inputs.push_back(&input.values);
  buffers.targets.push_back(&ds.targets[0].values);
  fill_rows(0, order, 0, epoch_rows(), buffers);
  return ds;
}

}  // namespace yamlnet
