#include "interpreter/data/data_spec.hpp"

#include "interpreter/data/implicit_feedback.hpp"
#include "interpreter/data/next_item_sequences.hpp"
#include "interpreter/spec/arg_parser.hpp"

namespace yamlnet {

const ArgSpec& data_type_arg() {
  static const ArgSpec type = required(enum_arg(
      "type", "idx", {"idx", "csv", "tsv", "npy", "sequences", "implicit_feedback", "next_item_sequences"},
      "format of the data files"));
  return type;
}

const std::vector<ArgSpec>& data_table() {
  static const std::vector<ArgSpec> table{
      data_type_arg(),
      float_arg("rescale", 1.0, "factor applied to float inputs (e.g. 1/255 for images)"),
      bool_arg("header", true, "csv/tsv: the first line names the columns"),
      string_arg("delimiter", std::nullopt, "csv/tsv: field separator (default ',' for csv, tab for tsv)"),
      int_arg("maxlen", 0, "sequences: length of the padded histories (0: the longest)", 0),
      enum_arg("padding", "pre", {"pre", "post"},
               "sequences: pad at the start (pre) or the end (post), as pad_sequences"),
      enum_arg("truncating", "pre", {"pre", "post"},
               "sequences: drop the oldest (pre) or the newest (post) items of long histories"),
      float_arg("test_split", 0.0, "sequences: fraction of the users held out as the test split (seeded)",
                0.0, 0.9),
  };
  return table;
}

const std::vector<ArgSpec>& events_table() {
  static const std::vector<ArgSpec> table{
      required(string_arg("path", std::nullopt,
                          "event log, one (user, item, time) per line (MovieLens's u.data)")),
      string_arg("delimiter", "\\t", "field separator (\\t for a tab)"),
      bool_arg("header", false, "the first line names the columns"),
      int_arg("user", 0, "0-based column of the user id", 0),
      int_arg("item", 1, "0-based column of the item id (ids start at 1; 0 is padding)", 0),
      int_arg("time", 3, "0-based column of the timestamp that orders a user's history", 0),
  };
  return table;
}

const std::vector<ArgSpec>& labels_table() {
  static const std::vector<ArgSpec> table{
      required(string_arg("path", std::nullopt, "one line per user with its label (MovieLens's u.user)")),
      string_arg("delimiter", "|", "field separator"),
      int_arg("user", 0, "0-based column of the user id", 0),
      int_arg("label", 1, "0-based column of the label", 0),
      required(ArgSpec("classes", ArgType::StringList, Value::none(),
                       "label values in class order (index = target)")),
  };
  return table;
}

namespace {

DataSplitSpec parse_split(const YAML::Node& node, const std::string& type, const std::string& split,
                          DiagnosticSink& sink) {
  DataSplitSpec out;
  if (!node.IsDefined() || node.IsNull()) return out;
  out.present = true;
  out.loc = sink.loc(node);
  const bool tabular = type == "csv" || type == "tsv";
  if (tabular) {
    if (node.IsScalar()) {
      out.path = node.Scalar();
      out.path_loc = sink.loc(node);
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        if (key == "path" && kv.second.IsScalar()) {
          out.path = kv.second.Scalar();
          out.path_loc = sink.loc(kv.second);
        } else {
          sink.error(kv.first, "data." + split + ": unknown key '" + key + "' (a " + type +
                                   " split is a path or {path: FILE})");
        }
      }
      if (out.path.empty()) sink.error(node, "data." + split + ": needs 'path'");
    } else {
      sink.error(node, "data." + split + ": expected a path or {path: FILE}");
    }
    return out;
  }
  if (!node.IsMap()) {
    sink.error(node, "data." + split +
                         ": expected a mapping of input/output names to files, e.g. {x: FILE, y: FILE}");
    return out;
  }
  for (const auto& kv : node) {
    if (!kv.second.IsScalar()) {
      sink.error(kv.second, "data." + split + "." + kv.first.Scalar() + ": expected a file path");
      continue;
    }
    out.files.emplace_back(kv.first.Scalar(), kv.second.Scalar());
    out.file_locs.push_back(sink.loc(kv.first));
  }
  return out;
}

}  // namespace

DataSpec parse_data_spec(const YAML::Node& node, DiagnosticSink& sink) {
  DataSpec spec;
  if (!node.IsDefined() || node.IsNull()) {
    spec.args = default_args(data_table());
    return spec;
  }
  spec.present = true;
  spec.loc = sink.loc(node);
  if (!node.IsMap()) {
    sink.error(node, "data: expected a mapping");
    spec.args = default_args(data_table());
    return spec;
  }
  // Interaction logs (NCF, YouTube-DNN) have tables of their own (path, split, negatives, max_len...).
  for (const auto& [type, rest] : {std::pair{"implicit_feedback", &implicit_feedback_table()},
                                   std::pair{"next_item_sequences", &next_item_sequences_table()}}) {
    if (!node["type"].IsScalar() || node["type"].Scalar() != type) continue;
    std::vector<ArgSpec> table{data_type_arg()};
    table.insert(table.end(), rest->begin(), rest->end());
    spec.args = parse_args(node, table, {}, {}, sink);
    return spec;
  }
  spec.args = parse_args(node, data_table(), {},
                         {"train", "validation", "test", "columns", "events", "labels"}, sink);
  for (const auto& [key, table] :
       {std::pair{"events", &events_table()}, std::pair{"labels", &labels_table()}}) {
    const YAML::Node block = node[key];
    if (!block.IsDefined()) continue;
    if (!block.IsMap()) {
      sink.error(block, std::string("data.") + key + ": expected a mapping");
      continue;
    }
    Value v = Value::function(key);
    v.args = parse_args(block, *table, {}, {}, sink).items();
    v.loc = sink.loc(block);
    spec.args.set(key, v);
  }
  if (spec.args.get("type").is_none()) spec.args.set("type", Value::string("idx"));
  const std::string type = spec.type();
  spec.train = parse_split(node["train"], type, "train", sink);
  spec.validation = parse_split(node["validation"], type, "validation", sink);
  spec.test = parse_split(node["test"], type, "test", sink);
  const YAML::Node columns = node["columns"];
  const bool tabular = type == "csv" || type == "tsv";
  if (columns.IsDefined()) {
    if (!tabular) sink.error(columns, "data.columns: only csv and tsv data have columns");
    if (!columns.IsMap()) {
      sink.error(columns, "data.columns: expected a mapping of input/output names to column lists");
    } else {
      for (const auto& kv : columns) {
        std::vector<std::string> cols;
        if (kv.second.IsScalar()) cols.push_back(kv.second.Scalar());
        if (kv.second.IsSequence())
          for (const auto& c : kv.second) cols.push_back(c.Scalar());
        if (cols.empty())
          sink.error(kv.second, "data.columns." + kv.first.Scalar() + ": expected column names");
        spec.columns.emplace_back(kv.first.Scalar(), cols);
        spec.column_locs.push_back(sink.loc(kv.first));
      }
    }
  } else if (tabular && spec.train.present) {
    sink.error(node, "data: csv/tsv data needs 'columns' mapping the model's inputs and outputs to columns");
  }
  if (type == "sequences")
    for (const char* key : {"events", "labels"})
      if (!spec.args.has(key)) sink.error(node, std::string("data: sequences data needs '") + key + "'");
  return spec;
}

}  // namespace yamlnet
