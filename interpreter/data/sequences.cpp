#include "interpreter/data/sequences.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include "interpreter/core/random.hpp"
#include "interpreter/data/dataset.hpp"
#include "interpreter/data/interaction_log.hpp"
#include "interpreter/data/sources.hpp"
#include "interpreter/data/text_fields.hpp"
#include "interpreter/graph/graph.hpp"

namespace yamlnet {

Tensor pad_sequences(const std::vector<std::vector<Real>>& sequences, Index maxlen,
                     const std::string& padding, const std::string& truncating, Real value) {
  if (maxlen <= 0)
    for (const auto& s : sequences) maxlen = std::max(maxlen, static_cast<Index>(s.size()));
  Tensor out({static_cast<Index>(sequences.size()), maxlen});
  std::fill(out.data.begin(), out.data.end(), value);
  for (size_t r = 0; r < sequences.size(); ++r) {
    const auto& s = sequences[r];
    const Index n = std::min<Index>(maxlen, static_cast<Index>(s.size()));
    // truncating "pre" keeps the last maxlen values, "post" the first ones.
    const auto first = truncating == "pre" ? s.end() - n : s.begin();
    // padding "pre" puts the values at the end of the row, "post" at its start.
    Real* row = out.ptr() + static_cast<Index>(r) * maxlen;
    std::copy(first, first + n, padding == "pre" ? row + (maxlen - n) : row);
  }
  return out;
}

const std::vector<ArgSpec>& sequence_labels_table() {
  static const std::vector<ArgSpec> table{
      required(string_arg("path", std::nullopt, "one line per user with its label (MovieLens's u.user)")),
      string_arg("delimiter", "|", "field separator"),
      int_arg("user_column", 0, "0-based column of the user id", 0),
      int_arg("label_column", 1, "0-based column of the label", 0),
      required(ArgSpec("classes", ArgType::StringList, Value::none(),
                       "label values in class order (index = target)")),
  };
  return table;
}

namespace {

Args block_args(const Value& block) {
  Args args;
  for (const auto& [name, value] : block.args()) args.set(name, value);
  return args;
}

// Per user id as written: (class index, line).
std::map<long long, std::pair<Real, long>> read_labels(const Args& labels) {
  const std::string& path = labels.string("path");
  std::map<long long, std::pair<Real, long>> label_of;
  check_regular_file(path);
  std::ifstream in(path);
  if (!in) throw DataError(path, "cannot open the file");
  const char delimiter = delimiter_char(labels.string("delimiter"), '|');
  const Index key_col = labels.integer("user_column"), value_col = labels.integer("label_column");
  const auto& classes = labels.get("classes").strings();
  std::string text;
  long line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    const auto fields = split_line(text, delimiter);
    const double user = number_field(fields, key_col, path, line);
    if (value_col >= static_cast<Index>(fields.size()))
      throw DataError(path, line, "column " + std::to_string(value_col) + " is missing");
    const auto it = std::find(classes.begin(), classes.end(), fields[value_col]);
    if (it == classes.end())
      throw DataError(path, line, "label '" + fields[value_col] + "' is not one of the classes");
    const auto klass = static_cast<Real>(it - classes.begin());
    const auto [previous, fresh] = label_of.emplace(static_cast<long long>(user), std::pair{klass, line});
    if (!fresh && previous->second.first != klass)
      throw DataError(path, line,
                      "user " + std::to_string(static_cast<long long>(user)) + " is labelled '" +
                          fields[value_col] + "' here and '" +
                          classes[static_cast<size_t>(previous->second.first)] + "' at line " +
                          std::to_string(previous->second.second));
  }
  return label_of;
}

}  // namespace

DataSplits load_sequence_data(const ModelSpec& spec, const Graph& model) {
  const Args& args = spec.data.args;
  const Args events = block_args(args.get("events"));
  const Args labels = block_args(args.get("labels"));
  const std::string& events_path = events.string("path");
  const std::string& labels_path = labels.string("path");
  if (model.num_inputs() != 1 || model.num_outputs() != 1)
    throw DataError(events_path, "sequences data feeds a model with one input and one output");

  // The same reader as the interaction-log types; item ids are checked against the history's Embedding
  // there, so errors name the event's line.
  const InteractionLog log = read_interaction_log(events, std::nullopt, model.input_id_limit(0));
  for (const auto& list : log.by_user)
    for (const auto& e : list)
      if (e.item == 0)
        throw DataError(events_path, e.line, "item id 0 is the padding id; item ids start at 1");
  const auto label_of = read_labels(labels);

  std::vector<long long> users;
  std::vector<std::vector<Real>> histories;
  std::vector<Real> targets;
  for (size_t u = 0; u < log.by_user.size(); ++u) {
    const auto& list = log.by_user[u];
    if (list.empty()) continue;
    const long long user = log.written_user_id[u];
    const auto label = label_of.find(user);
    if (label == label_of.end())
      throw DataError(events_path, list.front().line,
                      "user " + std::to_string(user) + " has no label in " + labels_path);
    std::vector<Real> items;
    for (const auto& e : list) items.push_back(static_cast<Real>(e.item));
    users.push_back(user);
    histories.push_back(std::move(items));
    targets.push_back(label->second.first);
  }
  const Tensor padded =
      pad_sequences(histories, args.integer("maxlen"), args.string("padding"), args.string("truncating"));
  if (padded.shape[1] != model.input_node(0).output_shapes[0][0])
    throw DataError(events_path, "histories of length " + std::to_string(padded.shape[1]) +
                                     " do not fit input '" + model.input_node(0).layer->name() +
                                     "' of shape " + shape_to_string(model.input_node(0).output_shapes[0]) +
                                     " (set data.maxlen)");

  // Users are split into train and test at random, fixed by the seed.
  std::vector<Index> order(users.size());
  std::iota(order.begin(), order.end(), Index(0));
  Random rng(spec.seed ^ 0x5e9u);
  for (Index i = static_cast<Index>(order.size()) - 1; i > 0; --i)
    std::swap(order[i], order[rng.below(i + 1)]);
  const Index test =
      static_cast<Index>(std::floor(static_cast<double>(order.size()) * args.number("test_split")));
  auto take = [&](Index begin, Index end) {
    Dataset ds;
    DataArray x{model.input_node(0).layer->name(), Tensor({end - begin, padded.shape[1]}), events_path, {}};
    DataArray y{model.output_name(0), Tensor({end - begin, 1}), labels_path, {}};
    for (Index r = begin; r < end; ++r) {
      const Index src = order[r];
      std::copy_n(padded.ptr() + src * padded.shape[1], padded.shape[1],
                  x.values.ptr() + (r - begin) * padded.shape[1]);
      y.values.data[r - begin] = targets[src];
    }
    ds.inputs.push_back(std::move(x));
    ds.targets.push_back(std::move(y));
    return ds;
  };
  DataSplits splits;
  const Index n = static_cast<Index>(order.size());
  splits.train = take(0, n - test);
  if (test > 0) splits.test = take(n - test, n);
  return splits;
}

}  // namespace yamlnet
