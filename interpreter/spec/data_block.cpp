#include "interpreter/spec/data_block.hpp"

#include <set>

#include "interpreter/spec/arg_parser.hpp"

namespace yamlnet {

ArgSpec data_type_arg(const std::vector<const DataTypeInfo*>& types) {
  std::vector<std::string> names;
  for (const auto* t : types) names.push_back(t->info.name);
  return enum_arg("type", kDefaultDataType, names, "format of the data files");
}

namespace {

const DataTypeInfo* find_type(const std::vector<const DataTypeInfo*>& types, const std::string& name) {
  for (const auto* t : types)
    if (t->info.name == name) return t;
  return nullptr;
}

std::vector<ArgSpec> full_table(const DataTypeInfo& type, const std::vector<const DataTypeInfo*>& types) {
  std::vector<ArgSpec> table{data_type_arg(types)};
  table.insert(table.end(), type.info.args.begin(), type.info.args.end());
  return table;
}

DataSplitSpec parse_split(const YAML::Node& node, const DataTypeInfo& type, const std::string& split,
                          DiagnosticSink& sink) {
  DataSplitSpec out;
  if (!node.IsDefined() || node.IsNull()) return out;
  out.present = true;
  out.loc = sink.loc(node);
  const std::string where = "data." + split;
  if (type.splits == SplitForm::OnePath) {
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
          sink.error(kv.first, where + ": unknown key '" + key + "' (a " + type.info.name +
                                   " split is a path or {path: FILE})");
        }
      }
      if (out.path.empty()) sink.error(node, where + ": needs 'path'");
    } else {
      sink.error(node, where + ": expected a path or {path: FILE}");
    }
    return out;
  }
  if (!node.IsMap()) {
    sink.error(node, where + ": expected a mapping of input/output names to files, e.g. {x: FILE, y: FILE}");
    return out;
  }
  for (const auto& kv : node) {
    if (!kv.second.IsScalar()) {
      sink.error(kv.second, where + "." + kv.first.Scalar() + ": expected a file path");
      continue;
    }
    out.files.emplace_back(kv.first.Scalar(), kv.second.Scalar());
    out.file_locs.push_back(sink.loc(kv.first));
  }
  return out;
}

void parse_columns(const YAML::Node& node, DataSpec& spec, DiagnosticSink& sink) {
  if (!node.IsMap()) {
    sink.error(node, "data.columns: expected a mapping of input/output names to column lists");
    return;
  }
  for (const auto& kv : node) {
    std::vector<std::string> cols;
    if (kv.second.IsScalar()) cols.push_back(kv.second.Scalar());
    if (kv.second.IsSequence())
      for (const auto& c : kv.second) cols.push_back(c.Scalar());
    if (cols.empty()) sink.error(kv.second, "data.columns." + kv.first.Scalar() + ": expected column names");
    spec.columns.emplace_back(kv.first.Scalar(), cols);
    spec.column_locs.push_back(sink.loc(kv.first));
  }
}

}  // namespace

DataSpec parse_data_spec(const YAML::Node& node, const std::vector<const DataTypeInfo*>& types,
                         DiagnosticSink& sink) {
  DataSpec spec;
  const DataTypeInfo* fallback = find_type(types, kDefaultDataType);
  spec.args = default_args(full_table(*fallback, types));
  if (!node.IsDefined() || node.IsNull()) return spec;
  spec.present = true;
  spec.loc = sink.loc(node);
  if (!node.IsMap()) {
    sink.error(node, "data: expected a mapping");
    return spec;
  }
  const YAML::Node type_node = node["type"];
  const DataTypeInfo* type = fallback;
  if (type_node.IsDefined()) {
    const Value name = parse_arg(type_node, data_type_arg(types), sink);
    if (name.is_none()) return spec;  // the error names the choices; the rest depends on the type
    type = find_type(types, name.s);
  }
  std::set<std::string> reserved;
  if (type->splits != SplitForm::None) reserved = {"train", "validation", "test"};
  if (type->splits == SplitForm::OnePath) reserved.insert("columns");
  for (const auto& block : type->blocks) reserved.insert(block.key);
  spec.args = parse_args(node, full_table(*type, types), {}, reserved, sink);
  for (const auto& block_info : type->blocks) {
    const YAML::Node block = node[block_info.key];
    const std::string where = "data." + block_info.key;
    if (!block.IsDefined()) {
      if (block_info.required)
        sink.error(node, "data: " + type->info.name + " data needs '" + block_info.key + "'");
      continue;
    }
    if (!block.IsMap()) {
      sink.error(block, where + ": expected a mapping");
      continue;
    }
    Value v = Value::function(block_info.key);
    v.set_args(parse_args(block, block_info.args, {}, {}, sink).items());
    v.loc = sink.loc(block);
    spec.args.set(block_info.key, v);
  }
  if (type->splits == SplitForm::None) return spec;
  spec.train = parse_split(node["train"], *type, "train", sink);
  spec.validation = parse_split(node["validation"], *type, "validation", sink);
  spec.test = parse_split(node["test"], *type, "test", sink);
  if (type->splits != SplitForm::OnePath) return spec;
  if (node["columns"].IsDefined())
    parse_columns(node["columns"], spec, sink);
  else if (spec.train.present)
    sink.error(node, "data: " + type->info.name +
                         " data needs 'columns' mapping the model's inputs and outputs to columns");
  return spec;
}

}  // namespace yamlnet
