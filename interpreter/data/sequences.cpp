#include "interpreter/data/sequences.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include "interpreter/core/random.hpp"
#include "interpreter/data/dataset.hpp"
#include "interpreter/data/sources.hpp"
#include "interpreter/data/text_fields.hpp"
#include "interpreter/graph/model.hpp"

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

DataSplits load_sequence_data(const ModelSpec& spec, const Model& model) {
  const Args& args = spec.data.args;
  const Value& events = args.get("events");
  const Value& labels = args.get("labels");
  const std::string events_path = events.arg("path")->s, labels_path = labels.arg("path")->s;
  const Index user_col = events.arg("user")->i, item_col = events.arg("item")->i,
              time_col = events.arg("time")->i;
  if (model.num_inputs() != 1 || model.num_outputs() != 1)
    throw DataError(events_path, "sequences data feeds a model with one input and one output");

  // The largest id the history's Embedding accepts, checked here so errors name the event's line.
  const std::optional<IdLimit> bound = model.input_id_limit(0);
  const std::optional<Index> limit = bound ? std::optional<Index>(bound->limit) : std::nullopt;

  struct Event {
    double time;
    long line;
    Real item;
  };
  std::map<long long, std::vector<Event>> by_user;
  {
    std::ifstream in(events_path);
    if (!in) throw DataError(events_path, "cannot open the file");
    const char delimiter = delimiter_char(events.arg("delimiter")->s, '\t');
    std::string text;
    long line = 0;
    const bool header = events.arg("header")->b;
    while (std::getline(in, text)) {
      ++line;
      if (header && line == 1) continue;
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      const auto fields = split_line(text, delimiter);
      const double user = number_field(fields, user_col, events_path, line);
      const double item = number_field(fields, item_col, events_path, line);
      const double time = number_field(fields, time_col, events_path, line);
      if (item != std::floor(item) || item < 1 || (limit && item >= static_cast<double>(*limit)))
        throw DataError(events_path, line,
                        "item id " + fields[item_col] + " is outside [1, " +
                            (limit ? std::to_string(*limit) : "inf") + ") (0 is padding)" +
                            (limit ? " of the history's Embedding input_dim" : ""));
      by_user[static_cast<long long>(user)].push_back(Event{time, line, static_cast<Real>(item)});
    }
    if (by_user.empty()) throw DataError(events_path, "the file has no events");
  }

  std::map<long long, std::pair<Real, long>> label_of;  // user -> (class index, line)
  {
    check_regular_file(labels_path);
    std::ifstream in(labels_path);
    if (!in) throw DataError(labels_path, "cannot open the file");
    const char delimiter = delimiter_char(labels.arg("delimiter")->s, '|');
    const Index key_col = labels.arg("user")->i, value_col = labels.arg("label")->i;
    const auto& classes = labels.arg("classes")->strings;
    std::string text;
    long line = 0;
    while (std::getline(in, text)) {
      ++line;
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      const auto fields = split_line(text, delimiter);
      const double user = number_field(fields, key_col, labels_path, line);
      if (value_col >= static_cast<Index>(fields.size()))
        throw DataError(labels_path, line, "column " + std::to_string(value_col) + " is missing");
      const auto it = std::find(classes.begin(), classes.end(), fields[value_col]);
      if (it == classes.end())
        throw DataError(labels_path, line, "label '" + fields[value_col] + "' is not one of the classes");
      const auto klass = static_cast<Real>(it - classes.begin());
      const auto [previous, fresh] = label_of.emplace(static_cast<long long>(user), std::pair{klass, line});
      if (!fresh && previous->second.first != klass)
        throw DataError(labels_path, line,
                        "user " + std::to_string(static_cast<long long>(user)) + " is labelled '" +
                            fields[value_col] + "' here and '" +
                            classes[static_cast<size_t>(previous->second.first)] + "' at line " +
                            std::to_string(previous->second.second));
    }
  }

  std::vector<long long> users;
  std::vector<std::vector<Real>> histories;
  std::vector<Real> targets;
  for (auto& [user, list] : by_user) {
    const auto label = label_of.find(user);
    if (label == label_of.end())
      throw DataError(events_path, list.front().line,
                      "user " + std::to_string(user) + " has no label in " + labels_path);
    std::stable_sort(list.begin(), list.end(),
                     [](const Event& a, const Event& b) { return a.time < b.time; });
    std::vector<Real> items;
    for (const auto& e : list) items.push_back(e.item);
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
