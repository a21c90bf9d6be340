#include "interpreter/spec/arg_parser.hpp"

#include <cmath>

#include "layers/registry.hpp"

namespace yamlnet {

namespace {

std::string scalar_text(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

bool is_null(const YAML::Node& node) {
  return !node.IsDefined() || node.IsNull() ||
         (node.IsScalar() && node.Tag() != "!" && node.Scalar() == "null");
}

bool read_int(const YAML::Node& node, int64_t& out) {
  if (!node.IsScalar() || node.Tag() == "!") return false;
  try {
    // yaml-cpp accepts "1.5" as a long long? It does not; it rejects it, which is what we want.
    out = node.as<long long>();
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

bool read_double(const YAML::Node& node, double& out) {
  if (!node.IsScalar() || node.Tag() == "!") return false;
  try {
    out = node.as<double>();
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

bool read_bool(const YAML::Node& node, bool& out) {
  if (!node.IsScalar() || node.Tag() == "!") return false;
  try {
    out = node.as<bool>();
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

std::string bound_text(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

bool check_range(const YAML::Node& node, const ArgSpec& spec, double v, DiagnosticSink& sink) {
  if (std::isnan(v) || std::isinf(v)) {
    sink.error(node, "argument '" + spec.name + "': must be a finite number, got " + scalar_text(node));
    return false;
  }
  if (spec.min) {
    const bool bad = spec.min_exclusive ? v <= *spec.min : v < *spec.min;
    if (bad) {
      sink.error(node, "argument '" + spec.name + "': must be " + (spec.min_exclusive ? "> " : ">= ") +
                           bound_text(*spec.min) + ", got " + node.Scalar());
      return false;
    }
  }
  if (spec.max && (spec.max_exclusive ? v >= *spec.max : v > *spec.max)) {
    sink.error(node, "argument '" + spec.name + "': must be " + (spec.max_exclusive ? "< " : "<= ") +
                         bound_text(*spec.max) + ", got " + node.Scalar());
    return false;
  }
  return true;
}

}  // namespace

Value default_function(const FunctionFamily& family, const std::string& name) {
  const FunctionInfo* info = family.find(name);
  Value v = Value::function(info ? info->name : name);
  if (info)
    for (const auto& a : info->args) v.mutable_args().emplace_back(a.name, a.default_value);
  return v;
}

Value parse_function(const YAML::Node& node, const FunctionFamily& family, const std::string& what,
                     DiagnosticSink& sink) {
  // yaml-cpp's Node::operator= writes into the document instead of rebinding the handle, so every node
  // variable here is initialised once and never reassigned.
  if (!node.IsScalar() && !node.IsMap()) {
    sink.error(node, "argument '" + what + "': expected a " + family.name + " name or {type: ...}, got " +
                         scalar_text(node));
    return Value::none();
  }
  const YAML::Node type_node =
      node.IsScalar() ? node : (node["type"].IsDefined() ? node["type"] : node["class_name"]);
  // A family of one member is a block of settings (fit.checkpoint: {dir: ...}): it needs no 'type'.
  const bool settings_block = family.members.size() == 1 && node.IsMap() && !type_node.IsDefined();
  if (!settings_block && (!type_node.IsDefined() || !type_node.IsScalar())) {
    sink.error(node, "argument '" + what + "': a " + family.name + " needs 'type' (one of " +
                         join_names(family.names()) + ")");
    return Value::none();
  }
  const std::string type = settings_block ? family.members[0].name : type_node.Scalar();
  const FunctionInfo* info = family.find(type);
  if (!info) {
    std::string msg = "argument '" + what + "': unknown " + family.name + " '" + type + "'";
    const std::string near = nearest_name(snake_case(type), family.names());
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    msg += " (known: " + join_names(family.names()) + ")";
    sink.error(type_node, msg);
    return Value::none();
  }
  Value v = Value::function(info->name);
  v.loc = sink.loc(node);
  if (node.IsMap()) {
    const YAML::Node args_node = node["config"].IsDefined() && node["config"].IsMap() ? node["config"] : node;
    Args args =
        parse_args(args_node, info->args, info->keras_aliases, {"type", "class_name", "config"}, sink);
    v.set_args(args.items());
  } else {
    for (const auto& a : info->args) {
      if (a.required) sink.error(node, "argument '" + what + "': " + info->name + " needs '" + a.name + "'");
      v.mutable_args().emplace_back(a.name, a.default_value);
    }
  }
  return v;
}

namespace {

// Whether `node` is the per-output or per-class form of a keyed argument rather than its plain form: a
// function's map has a `type`, a metric list holds names, a number is a scalar.
bool keyed_form(const YAML::Node& node, const ArgSpec& spec) {
  if (spec.keying == Keying::None || is_null(node)) return false;
  if (spec.keying == Keying::PerClass) return true;
  if (node.IsMap())
    return spec.type != ArgType::Function || !(node["type"].IsDefined() || node["class_name"].IsDefined());
  if (!node.IsSequence()) return false;
  if (spec.type != ArgType::StringList) return true;
  for (const auto& item : node)
    if (!item.IsScalar()) return true;
  return false;
}

bool is_class_index(const std::string& text) {
  return !text.empty() && text.size() < 10 && text.find_first_not_of("0123456789") == std::string::npos;
}

Value parse_keyed(const YAML::Node& node, const ArgSpec& spec, DiagnosticSink& sink) {
  ArgSpec entry = spec;
  entry.keying = Keying::None;
  entry.required = true;  // a listed entry needs a value
  const bool per_class = spec.keying == Keying::PerClass;
  std::vector<Value> values;
  std::vector<std::string> keys;
  if (node.IsSequence()) {
    for (const auto& item : node) values.push_back(parse_arg(item, entry, sink));
  } else if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (per_class && !is_class_index(key)) {
        sink.error(kv.first, "argument '" + spec.name + "': '" + key + "' is not a class index (0, 1, 2...)");
        continue;
      }
      for (const auto& seen : keys)
        if (seen == key) sink.error(kv.first, "argument '" + spec.name + "': '" + key + "' is given twice");
      keys.push_back(key);
      values.push_back(parse_arg(kv.second, entry, sink));
    }
  } else {
    sink.error(node, "argument '" + spec.name + "': expected a map from class index to weight (" + spec.name +
                         ": {0: 1.0, 1: 5.0}), got " + scalar_text(node));
    return Value::none();
  }
  Value out = Value::keyed(std::move(values), std::move(keys));
  out.loc = sink.loc(node);
  return out;
}

}  // namespace

Value parse_arg(const YAML::Node& node, const ArgSpec& spec, DiagnosticSink& sink) {
  if (keyed_form(node, spec)) return parse_keyed(node, spec, sink);
  // Keras's activations.get(None) is linear: `activation: null` is the same model as `activation: linear`
  // and must describe it the same way (the weights file's spec hash, an imported config).
  if (is_null(node) && spec.type == ArgType::Function && spec.family && spec.family->name == "activation")
    return parse_function(YAML::Node("linear"), *spec.family, spec.name, sink);
  if (is_null(node) && spec.type != ArgType::String) {
    if (spec.required) sink.error(node, "argument '" + spec.name + "': a value is required");
    return Value::none();
  }
  Value out;
  switch (spec.type) {
    case ArgType::Int: {
      int64_t v;
      if (!read_int(node, v)) {
        sink.error(node, "argument '" + spec.name + "': expected an integer, got " + scalar_text(node));
        return Value::none();
      }
      if (!check_range(node, spec, static_cast<double>(v), sink)) return Value::none();
      out = Value::integer(v);
      break;
    }
    case ArgType::Float: {
      if (spec.family && node.IsMap()) {  // a learning rate, or its schedule
        out = parse_function(node, *spec.family, spec.name, sink);
        break;
      }
      double v;
      if (!read_double(node, v)) {
        sink.error(node, "argument '" + spec.name + "': expected a number, got " + scalar_text(node));
        return Value::none();
      }
      if (!check_range(node, spec, v, sink)) return Value::none();
      out = Value::number(v);
      break;
    }
    case ArgType::Bool: {
      bool v;
      if (!read_bool(node, v)) {
        sink.error(node, "argument '" + spec.name + "': expected true or false, got " + scalar_text(node));
        return Value::none();
      }
      out = Value::boolean(v);
      break;
    }
    case ArgType::String: {
      if (is_null(node)) return Value::none();
      if (!node.IsScalar()) {
        sink.error(node, "argument '" + spec.name + "': expected a string, got " + scalar_text(node));
        return Value::none();
      }
      // Every string argument names something (a file, a folder, a logged value, a separator): an empty one
      // would write to "" or watch nothing.
      if (node.Scalar().empty()) {
        sink.error(node, "argument '" + spec.name + "': must not be empty");
        return Value::none();
      }
      out = Value::string(node.Scalar());
      break;
    }
    case ArgType::Enum: {
      if (!node.IsScalar()) {
        sink.error(node, "argument '" + spec.name + "': expected one of " + join_names(spec.choices) +
                             ", got " + scalar_text(node));
        return Value::none();
      }
      const std::string v = node.Scalar();
      bool found = false;
      for (const auto& c : spec.choices) found = found || c == v;
      if (!found) {
        std::string msg =
            "argument '" + spec.name + "': '" + v + "' is not one of " + join_names(spec.choices);
        const std::string near = nearest_name(v, spec.choices);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        sink.error(node, msg);
        return Value::none();
      }
      out = Value::string(v);
      break;
    }
    case ArgType::IntList: {
      std::vector<int64_t> values;
      if (node.IsScalar()) {  // Keras accepts a bare int where a 1-tuple is meant
        int64_t v;
        if (!read_int(node, v)) {
          sink.error(node,
                     "argument '" + spec.name + "': expected a list of integers, got " + scalar_text(node));
          return Value::none();
        }
        if (!check_range(node, spec, static_cast<double>(v), sink)) return Value::none();
        values.push_back(v);
      } else if (node.IsSequence()) {
        for (const auto& item : node) {
          int64_t v;
          if (!read_int(item, v)) {
            sink.error(item, "argument '" + spec.name + "': expected an integer, got " + scalar_text(item));
            return Value::none();
          }
          if (!check_range(item, spec, static_cast<double>(v), sink)) return Value::none();
          values.push_back(v);
        }
      } else {
        sink.error(node,
                   "argument '" + spec.name + "': expected a list of integers, got " + scalar_text(node));
        return Value::none();
      }
      out = Value::int_list(std::move(values));
      break;
    }
    case ArgType::FloatList: {
      std::vector<double> values;
      if (!node.IsSequence()) {
        sink.error(node,
                   "argument '" + spec.name + "': expected a list of numbers, got " + scalar_text(node));
        return Value::none();
      }
      for (const auto& item : node) {
        double v;
        if (!read_double(item, v)) {
          sink.error(item, "argument '" + spec.name + "': expected a number, got " + scalar_text(item));
          return Value::none();
        }
        if (!check_range(item, spec, v, sink)) return Value::none();
        values.push_back(v);
      }
      out = Value::float_list(values);
      break;
    }
    case ArgType::StringList: {
      std::vector<std::string> values;
      if (node.IsScalar()) {
        values.push_back(node.Scalar());
      } else if (node.IsSequence()) {
        for (const auto& item : node) {
          if (!item.IsScalar()) {
            sink.error(item, "argument '" + spec.name + "': expected a string, got " + scalar_text(item));
            return Value::none();
          }
          values.push_back(item.Scalar());
        }
      } else {
        sink.error(node, "argument '" + spec.name + "': expected a list of names, got " + scalar_text(node));
        return Value::none();
      }
      if (!spec.choices.empty())
        for (size_t k = 0; k < values.size(); ++k) {
          bool found = false;
          for (const auto& c : spec.choices) found = found || c == values[k];
          if (!found && spec.also_accepts) found = spec.also_accepts(values[k]);
          if (!found) {
            const YAML::Node at = node.IsSequence() ? node[k] : node;
            std::string msg = "argument '" + spec.name + "': unknown value '" + values[k] + "'";
            const std::string near = nearest_name(values[k], spec.choices);
            if (!near.empty()) msg += "; did you mean '" + near + "'?";
            sink.error(at, msg + " (known: " + join_names(spec.choices) + ")");
            return Value::none();
          }
        }
      out = Value::string_list(std::move(values));
      break;
    }
    case ArgType::Function:
      out = parse_function(node, *spec.family, spec.name, sink);
      break;
    case ArgType::Layer: {
      // A wrapped layer (Bidirectional, TimeDistributed): {type: LSTM, units: 64, ...}.
      const YAML::Node type = node.IsMap() ? node["type"] : YAML::Node();
      if (!type.IsDefined() || !type.IsScalar()) {
        sink.error(node, "argument '" + spec.name + "': expected a layer such as {type: LSTM, units: 32}");
        return Value::none();
      }
      const LayerInfo* info = builtin_registry().find(type.Scalar());
      if (!info) {
        std::string msg = "argument '" + spec.name + "': unknown layer type '" + type.Scalar() + "'";
        const std::string near = nearest_name(type.Scalar(), builtin_registry().types());
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        sink.error(type, msg);
        return Value::none();
      }
      out = Value::function(info->type);
      out.set_args(parse_args(node, info->args, info->aliases, {"type", "name"}, sink).items());
      if (node["name"].IsDefined()) out.mutable_strings().push_back(node["name"].Scalar());
      break;
    }
    case ArgType::FunctionList: {
      out = Value::function("");
      if (!node.IsSequence()) {
        sink.error(node, "argument '" + spec.name + "': expected a list, got " + scalar_text(node));
        return Value::none();
      }
      for (const auto& item : node) {
        Value f = parse_function(item, *spec.family, spec.name, sink);
        if (!f.is_none()) out.mutable_items().push_back(std::move(f));
      }
      break;
    }
  }
  out.loc = sink.loc(node);
  return out;
}

namespace {

// An ignored Keras 1 argument still takes only the values Keras 1 did (`consume_less: cpu | mem | gpu`).
void check_keras1_value(const YAML::Node& node, const std::string& key,
                        const std::vector<std::pair<std::string, std::string>>& values,
                        DiagnosticSink& sink) {
  std::vector<std::string> known;
  for (const auto& v : values) known.push_back(v.first);
  const std::string given = node.IsScalar() ? node.Scalar() : "";
  for (const auto& k : known)
    if (k == given) return;
  std::string msg = "argument '" + key + "': expected one of " + join_names(known) +
                    " (Keras 1's values), got " + scalar_text(node);
  const std::string near = nearest_name(given, known);
  if (!near.empty()) msg += "; did you mean '" + near + "'?";
  sink.error(node, msg);
}

}  // namespace

Args parse_args(const YAML::Node& map, const std::vector<ArgSpec>& table,
                const std::vector<KerasAlias>& aliases, const std::set<std::string>& reserved,
                DiagnosticSink& sink) {
  Args args;
  std::vector<std::string> known;
  for (const auto& a : table) known.push_back(a.name);
  for (const auto& r : reserved) known.push_back(r);

  std::set<std::string> seen, suggested;
  if (map.IsMap()) {
    for (const auto& kv : map) {
      const YAML::Node key_node = kv.first;
      std::string key = key_node.Scalar();
      if (reserved.count(key)) continue;
      std::string mapped_value;  // set when a Keras 1 value is translated (`forget_bias_init: one`)
      for (const auto& alias : aliases) {
        if (alias.old_name != key) continue;
        if (alias.keras1_only)
          sink.note_keras1_name(key_node, key, alias.new_name);
        else if (sink.keras_version() != 1)
          sink.warning(key_node, "argument '" + key + "' is the old name; use '" + alias.new_name + "'");
        if (alias.new_name.empty()) {
          if (!alias.values.empty()) check_keras1_value(kv.second, key, alias.values, sink);
          key.clear();
        } else {
          key = alias.new_name;
          for (const auto& [old_value, new_value] : alias.values)
            if (kv.second.IsScalar() && kv.second.Scalar() == old_value) mapped_value = new_value;
        }
        break;
      }
      if (key.empty()) continue;
      const ArgSpec* spec = nullptr;
      for (const auto& a : table)
        if (a.name == key) spec = &a;
      if (!spec) {
        std::string msg = "unknown argument '" + key + "'";
        const std::string near = nearest_name(key, known);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        suggested.insert(near);
        sink.error(key_node, msg);
        continue;
      }
      if (!seen.insert(key).second) {
        sink.error(key_node, "argument '" + key + "' is given twice");
        continue;
      }
      // A fresh node for a translated value: yaml-cpp's assignment would rewrite the document instead.
      const YAML::Node value_node = mapped_value.empty() ? kv.second : YAML::Node(mapped_value);
      args.set(key, parse_arg(value_node, *spec, sink));  // an invalid value was reported and is None here
    }
  }
  for (const auto& a : table) {
    if (seen.count(a.name)) continue;
    if (a.required) {
      // A misspelt required argument was reported already, with the suggestion.
      if (!suggested.count(a.name)) sink.error(map, "missing required argument '" + a.name + "'");
      args.set(a.name, Value::none());
      continue;
    }
    const std::string* versioned = nullptr;
    for (const auto& [version, text] : a.version_defaults)
      if (version == sink.keras_version()) versioned = &text;
    if (versioned) {
      args.set(a.name, parse_arg(YAML::Load(*versioned), a, sink));
      continue;
    }
    Value def = a.default_value;
    if (a.type == ArgType::Function && def.kind == Value::Kind::String)
      def = default_function(*a.family, def.s);
    args.set(a.name, std::move(def));
  }
  // Keep table order so the echo reads like the documentation.
  Args ordered;
  ordered.reserve(table.size());  // exactly: a config of many layers holds one Args per layer
  ordered.keras_version = sink.keras_version();
  for (const auto& a : table) ordered.set(a.name, args.get(a.name));
  return ordered;
}

Args default_args(const std::vector<ArgSpec>& table) {
  Args args;
  args.reserve(table.size());
  for (const auto& a : table) {
    Value def = a.default_value;
    if (a.type == ArgType::Function && def.kind == Value::Kind::String)
      def = default_function(*a.family, def.s);
    args.set(a.name, std::move(def));
  }
  return args;
}

}  // namespace yamlnet
