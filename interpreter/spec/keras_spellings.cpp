#include "interpreter/spec/keras_spellings.hpp"

#include "interpreter/spec/arg_parser.hpp"

namespace yamlnet {

namespace {

struct MergeMode {
  const char* mode;
  const char* type;
};

// Keras 1's Merge modes and the Keras 2 layers that compute the same thing.
constexpr MergeMode kMergeModes[] = {{"sum", "Add"},     {"mul", "Multiply"},       {"ave", "Average"},
                                     {"max", "Maximum"}, {"concat", "Concatenate"}, {"dot", "Dot"},
                                     {"cos", "Dot"}};

// A list of dimensions; `with_batch` lists start with the batch size, which may be null.
std::optional<DeclaredInput> read_dims(const YAML::Node& node, const std::string& key, bool with_batch,
                                       DiagnosticSink& sink) {
  if (!node.IsSequence() || node.size() < (with_batch ? 2u : 1u)) {
    sink.error(node, "argument '" + key + "': expected a list of dimensions such as " +
                         (with_batch ? "[null, 28, 28] (the batch first)" : "[28, 28] (without the batch)"));
    return std::nullopt;
  }
  DeclaredInput out;
  out.key = key;
  out.loc = sink.loc(node);
  for (size_t k = 0; k < node.size(); ++k) {
    const YAML::Node item = node[k];
    const bool batch = with_batch && k == 0;
    if (item.IsNull() || (item.IsScalar() && (item.Scalar() == "None" || item.Scalar() == "~"))) {
      if (batch) continue;
      sink.error(item, "argument '" + key + "': a variable dimension (null) is not supported; give its size");
      return std::nullopt;
    }
    int64_t value = 0;
    if (!item.IsScalar() || !YAML::convert<int64_t>::decode(item, value) || value < 1) {
      sink.error(item, "argument '" + key + "': dimensions are positive integers, got '" +
                           (item.IsScalar() ? item.Scalar() : std::string("a collection")) + "'");
      return std::nullopt;
    }
    if (batch)
      out.batch_size = value;
    else
      out.shape.push_back(value);
  }
  return out;
}

std::optional<int64_t> read_positive(const YAML::Node& node, const std::string& key, DiagnosticSink& sink) {
  int64_t value = 0;
  if (!node.IsScalar() || !YAML::convert<int64_t>::decode(node, value) || value < 1) {
    sink.error(node, "argument '" + key + "': expected a positive integer, got '" +
                         (node.IsScalar() ? node.Scalar() : std::string("a collection")) + "'");
    return std::nullopt;
  }
  return value;
}

bool has_arg(const LayerInfo& info, const std::string& name) {
  for (const auto& a : info.args)
    if (a.name == name) return true;
  return false;
}

}  // namespace

bool is_keras1_merge(const std::string& type) {
  return type == "merge" || type == "Merge";
}

std::optional<MergeTranslation> translate_merge(const YAML::Node& layer, const Registry& registry,
                                                DiagnosticSink& sink) {
  const YAML::Node mode_node = layer["mode"];
  const std::string mode = mode_node.IsDefined() && mode_node.IsScalar() ? mode_node.Scalar() : "sum";
  std::vector<std::string> modes;
  for (const auto& m : kMergeModes) modes.push_back(m.mode);
  const MergeMode* found = nullptr;
  for (const auto& m : kMergeModes)
    if (mode == m.mode) found = &m;
  if (!found || (mode_node.IsDefined() && !mode_node.IsScalar())) {
    std::string msg = "argument 'mode': Keras 1's merge takes one of " + join_names(modes) + ", got " +
                      (mode_node.IsScalar() ? "'" + mode + "'" : "a collection") +
                      " (a function mode is Python code: write the layers it computes)";
    const std::string near = nearest_name(mode, modes);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    sink.error(mode_node, msg);
    return std::nullopt;
  }
  MergeTranslation out;
  out.info = registry.find(found->type);
  out.table = out.info->args;
  out.aliases = out.info->aliases;
  const std::string type = found->type;
  if (type == "Concatenate") out.aliases.push_back({"concat_axis", "axis", ""});
  if (type == "Dot") {
    // Keras 1's dot_axes defaults to -1; Keras 2's Dot requires its axes.
    for (auto& a : out.table)
      if (a.name == "axes") {
        a.required = false;
        a.default_value = Value::int_list({-1});
      }
    out.normalize = mode == "cos";
  }
  sink.note_keras1_name(layer["type"].IsDefined() ? layer["type"] : layer["class_name"],
                        "merge (mode: " + mode + ")", type + (out.normalize ? " with normalize: true" : ""));
  return out;
}

std::set<std::string> input_keys(const LayerInfo& info) {
  std::set<std::string> keys{"input_shape", "batch_input_shape"};
  if (info.type == "Input") {
    keys.insert("batch_shape");
    return keys;
  }
  for (const char* key : {"input_dim", "input_length"})
    if (!has_arg(info, key)) keys.insert(key);
  return keys;
}

std::optional<DeclaredInput> read_declared_input(const YAML::Node& layer, const LayerInfo& info,
                                                 DiagnosticSink& sink) {
  if (!layer.IsMap()) return std::nullopt;
  const std::set<std::string> keys = input_keys(info);
  std::optional<DeclaredInput> out;
  std::vector<std::string> given;
  for (const auto& kv : layer) {
    const std::string key = kv.first.Scalar();
    if (!keys.count(key)) continue;
    given.push_back(key);
    if (key == "input_shape") out = read_dims(kv.second, key, false, sink);
    if (key == "batch_input_shape" || key == "batch_shape") out = read_dims(kv.second, key, true, sink);
    if (out) out->loc = sink.loc(kv.second);
  }
  if (given.empty()) return std::nullopt;
  if (given.size() > 1 && !(given.size() == 2 && keys.count("input_dim") && keys.count("input_length") &&
                            layer["input_dim"].IsDefined() && layer["input_length"].IsDefined())) {
    sink.error(layer[given[1]], "'" + given[1] + "' and '" + given[0] +
                                    "' both describe the input: give one (input_dim with input_length is "
                                    "Keras 1's (input_length, input_dim))");
    return std::nullopt;
  }
  if (layer["input_dim"].IsDefined() && keys.count("input_dim")) {
    const auto dim = read_positive(layer["input_dim"], "input_dim", sink);
    if (!dim) return std::nullopt;
    DeclaredInput d;
    d.key = "input_dim";
    d.loc = sink.loc(layer["input_dim"]);
    if (layer["input_length"].IsDefined()) {
      const auto length = read_positive(layer["input_length"], "input_length", sink);
      if (!length) return std::nullopt;
      d.shape.push_back(*length);
    }
    d.shape.push_back(*dim);
    return d;
  }
  if (layer["input_length"].IsDefined() && keys.count("input_length") && !out) {
    sink.error(layer["input_length"],
               "argument 'input_length': a sequence input also needs its feature size, input_dim (Keras 1's "
               "(input_length, input_dim)), or write input_shape: [length, features]");
    return std::nullopt;
  }
  return out;
}

}  // namespace yamlnet
