#include "interpreter/io/keras_json.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>
#include <stdexcept>

#include "interpreter/spec/arg_parser.hpp"
#include "interpreter/spec/diagnostics.hpp"
#include "interpreter/spec/keras_spellings.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

namespace {

using Json = nlohmann::ordered_json;

// Keras's bookkeeping in a layer's config, which says nothing about the computation.
const std::set<std::string> kBookkeeping{"name",
                                         "trainable",
                                         "dtype",
                                         "build_config",
                                         "implementation",
                                         "unroll",
                                         "time_major",
                                         "zero_output_for_mask",
                                         "batch_input_shape",
                                         "batch_shape",
                                         "input_shape",
                                         "sparse",
                                         "ragged"};

// The shortest text that reads back as the same double: what a person would write (0.01, not
// 0.01000000000000000021).
std::string number_text(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

YAML::Node keras_value(const Json& v);

// `entries` (a JSON object) added to the flow-style map `out`, nulls left out.
YAML::Node with_entries(YAML::Node out, const Json& entries) {
  for (const auto& [key, item] : entries.items())
    if (!item.is_null()) out[key] = keras_value(item);
  out.SetStyle(YAML::EmitterStyle::Flow);
  return out;
}

// A Keras value as YAML: {class_name, config} objects (initializers, regularizers, constraints) become
// {type: snake_name, ...config}; nulls are left out.
YAML::Node keras_value(const Json& v) {
  if (v.is_object() && v.contains("class_name")) {
    YAML::Node out(YAML::NodeType::Map);
    std::string cls = v["class_name"].get<std::string>();
    if (cls.rfind("LeCun", 0) == 0) cls = "Lecun" + cls.substr(5);  // TF.js's spelling of Keras's Lecun*
    const Json& config = v.contains("config") && v["config"].is_object() ? v["config"] : Json::object();
    // L1L2 with one term zero is what a person writes as l1 or l2 (TF.js writes L1L2 for both).
    if (cls == "L1L2") {
      const double l1 = config.value("l1", 0.0), l2 = config.value("l2", 0.0);
      if (l1 == 0.0 || l2 == 0.0) {
        out["type"] = l1 == 0.0 ? "l2" : "l1";
        out[l1 == 0.0 ? "l2" : "l1"] = number_text(l1 == 0.0 ? l2 : l1);
        out.SetStyle(YAML::EmitterStyle::Flow);
        return out;
      }
    }
    out["type"] = snake_case(cls);
    return with_entries(out, config);
  }
  if (v.is_object()) return with_entries(YAML::Node(YAML::NodeType::Map), v);
  if (v.is_array()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& item : v) out.push_back(keras_value(item));
    out.SetStyle(YAML::EmitterStyle::Flow);
    return out;
  }
  if (v.is_boolean()) return YAML::Node(v.get<bool>());
  if (v.is_number_integer()) return YAML::Node(std::to_string(v.get<long long>()));
  if (v.is_number()) return YAML::Node(number_text(v.get<double>()));
  if (v.is_string()) return YAML::Node(v.get<std::string>());
  return YAML::Node();
}

// [name, node_index, tensor_index(, kwargs)] (Keras 1 and 2) or {class_name: __keras_tensor__, config:
// {keras_history: [...]}} (Keras 3).
const Json* history_of(const Json& tensor) {
  if (tensor.is_array() && tensor.size() >= 3 && tensor[0].is_string()) return &tensor;
  if (tensor.is_object() && tensor.contains("config") && tensor["config"].contains("keras_history")) {
    const Json& history = tensor["config"]["keras_history"];
    if (history.is_array() && history.size() >= 3 && history[0].is_string()) return &history;
  }
  return nullptr;
}

class Importer {
 public:
  Importer(std::string source, std::string kind) : source_(std::move(source)), kind_(std::move(kind)) {}

  std::string convert(const Json& root) {
    version_ = detect_version(root);
    const Json& model = root.contains("model_config") ? root["model_config"] : root;
    const std::string cls = model.value("class_name", "");
    const Json& config = model.contains("config") ? model["config"] : Json::object();
    YAML::Node out(YAML::NodeType::Map);
    out["name"] = config.is_object() ? config.value("name", "imported") : "imported";
    out["keras_version"] = version_;
    if (cls == "Sequential") {
      sequential(config.is_array() ? config : config.value("layers", Json::array()), out);
    } else if (cls == "Functional" || cls == "Model") {
      functional(config, out);
    } else {
      problem("", cls,
              "not a Keras model: the top level's class_name is '" + cls +
                  "', not Sequential, Functional or Model");
    }
    if (!problems_.empty()) throw ConfigError(problems_);
    YAML::Emitter emitter;
    emitter << out;
    const std::string kind =
        kind_.empty() ? "Keras " + std::to_string(version_) + "'s model.to_json()" : kind_;
    return "# Imported by yamlnet import from " + source_ + " (" + kind + ").\n" + emitter.c_str() + "\n";
  }

 private:
  static int detect_version(const Json& root) {
    if (root.contains("keras_version") && root["keras_version"].is_string()) {
      const std::string v = root["keras_version"];
      if (!v.empty() && v[0] >= '1' && v[0] <= '3') return v[0] - '0';
    }
    if (root.contains("module")) return 3;
    return 2;
  }

  void problem(const std::string& layer, const std::string& cls, const std::string& message) {
    problems_.push_back(Diagnostic{SourceLoc{source_, 0, 0}, layer, cls, message});
  }

  // An Input: its per-sample shape (the batch dimension dropped), a fixed batch size and a non-float dtype.
  YAML::Node input_entry(const Json& config, const std::string& name) {
    YAML::Node entry(YAML::NodeType::Map);
    static const Json kNone;
    const Json& batch_shape = config.contains("batch_shape")         ? config["batch_shape"]
                              : config.contains("batch_input_shape") ? config["batch_input_shape"]
                                                                     : kNone;
    if (!batch_shape.is_array() || batch_shape.empty()) {
      problem(name, "InputLayer", "no batch_shape or batch_input_shape");
      return entry;
    }
    YAML::Node shape(YAML::NodeType::Sequence);
    for (size_t k = 1; k < batch_shape.size(); ++k) {
      if (batch_shape[k].is_null()) {
        problem(name, "InputLayer",
                "dimension " + std::to_string(k) + " is None: yamlnet needs fixed shapes");
        return entry;
      }
      shape.push_back(batch_shape[k].get<long long>());
    }
    shape.SetStyle(YAML::EmitterStyle::Flow);
    entry["shape"] = shape;
    if (!batch_shape[0].is_null()) entry["batch_size"] = batch_shape[0].get<long long>();
    const std::string dtype = dtype_name(config);
    if (!dtype.empty() && dtype != "float32") entry["dtype"] = dtype;
    if (config.value("sparse", false) || config.value("ragged", false))
      problem(name, "InputLayer", "sparse and ragged inputs are not modelled");
    entry.SetStyle(YAML::EmitterStyle::Flow);
    return entry;
  }

  static std::string dtype_name(const Json& config) {
    if (!config.contains("dtype")) return "";
    const Json& d = config["dtype"];
    if (d.is_string()) return d;
    if (d.is_object() && d.contains("config") && d["config"].contains("name")) return d["config"]["name"];
    return "";
  }

  // One layer as a config line: type, name, its arguments (defaults left out); problems for whatever it
  // cannot express. Returns a null node when the layer cannot be written.
  YAML::Node layer(const Json& spec) {
    const std::string cls = spec.value("class_name", "");
    const Json& config = spec.contains("config") ? spec["config"] : Json::object();
    const std::string name = config.is_object() ? config.value("name", spec.value("name", "")) : "";
    const LayerInfo* info = builtin_registry().find(cls);
    if (!info && !is_keras1_merge(cls)) {
      problem(name, cls, "yamlnet has no " + cls + " layer");
      return YAML::Node();
    }
    YAML::Node out(YAML::NodeType::Map);
    out["name"] = name;
    out["type"] = cls;
    const std::string dtype = dtype_name(config);
    if (!dtype.empty() && dtype != "float32" && dtype != "int32")
      problem(name, cls, "dtype " + dtype + ": yamlnet computes in float32");
    if (config.is_object() && !config.value("trainable", true)) out["trainable"] = false;
    for (const auto& [key, value] : config.items()) {
      if (kBookkeeping.count(key)) continue;
      const ArgSpec* arg = info ? find_arg(*info, key) : nullptr;
      const bool alias = info && is_alias(*info, key);
      // Keras 1's recurrent layers repeat their batch_input_shape as input_dim and input_length.
      if (!arg && !alias && (key == "input_dim" || key == "input_length") &&
          config.contains("batch_input_shape"))
        continue;
      if (!arg && !alias && info) {
        // An argument we do not model is harmless only when it is off.
        if (!value.is_null() && !(value.is_boolean() && !value.get<bool>()))
          problem(name, cls, "argument '" + key + "' (" + value.dump() + ") is not one yamlnet models");
        continue;
      }
      if (value.is_null()) continue;
      if (arg && arg->type == ArgType::Layer) {
        YAML::Node inner = layer(value);
        if (!inner.IsNull()) out[key] = inner;
        continue;
      }
      out[key] = keras_value(value);
    }
    if (info) drop_defaults(out, *info);
    out.SetStyle(YAML::EmitterStyle::Flow);
    return out;
  }

  static const ArgSpec* find_arg(const LayerInfo& info, const std::string& key) {
    for (const auto& a : info.args)
      if (a.name == key) return &a;
    return nullptr;
  }
  static bool is_alias(const LayerInfo& info, const std::string& key) {
    for (const auto& a : info.aliases)
      if (a.old_name == key) return true;
    return false;
  }

  // Leaves out the arguments whose value is the layer's default under this Keras version, as a person
  // would write the config.
  void drop_defaults(YAML::Node& out, const LayerInfo& info) const {
    DiagnosticSink sink(source_);
    sink.set_keras_version(version_);
    const Args defaults = default_args(info.args);
    std::vector<std::string> drop;
    for (const auto& kv : out) {
      const std::string key = kv.first.Scalar();
      const ArgSpec* arg = find_arg(info, key);
      if (!arg || arg->type == ArgType::Layer) continue;
      Value def = defaults.get(key);
      for (const auto& [version, text] : arg->version_defaults)
        if (version == version_) def = parse_arg(YAML::Load(text), *arg, sink);
      if (parse_arg(kv.second, *arg, sink).to_string() == def.to_string()) drop.push_back(key);
    }
    for (const auto& key : drop) out.remove(key);
  }

  // The producer of each input of a called layer ("name" or "name:k"), or an empty list with a problem.
  std::vector<std::string> inbound(const Json& spec, const std::string& name, const std::string& cls) {
    std::vector<std::string> refs;
    const Json& nodes = spec.contains("inbound_nodes") ? spec["inbound_nodes"] : Json::array();
    if (nodes.size() > 1) {
      problem(name, cls,
              "is called " + std::to_string(nodes.size()) + " times (a shared layer): not modelled");
      return refs;
    }
    if (nodes.empty()) return refs;
    std::vector<const Json*> tensors;
    const Json& node = nodes[0];
    static const Json kNoArgs = Json::array();
    if (node.is_object()) {  // Keras 3: {args: [tensor or [tensors]], kwargs}
      for (const auto& arg : node.contains("args") ? node["args"] : kNoArgs) {
        if (arg.is_array() && !history_of(arg))
          for (const auto& t : arg) tensors.push_back(&t);
        else
          tensors.push_back(&arg);
      }
    } else {
      for (const auto& t : node) tensors.push_back(&t);
    }
    for (const Json* t : tensors) {
      const Json* h = history_of(*t);
      if (!h) continue;  // a constant argument
      if ((*h)[1].get<long long>() != 0)
        problem(name, cls, "reads a second call of '" + (*h)[0].get<std::string>() + "' (a shared layer)");
      const long long index = (*h)[2].get<long long>();
      refs.push_back((*h)[0].get<std::string>() + (index ? ":" + std::to_string(index) : ""));
    }
    return refs;
  }

  // [name, node, tensor] as "name" or "name:tensor"; json's get<> throws on a wrong kind, which the caller
  // reports as not a to_json() file.
  static std::string endpoint_ref(const Json& e) {
    if (!e.is_array() || e.size() < 3) throw std::invalid_argument("an output is not [name, node, tensor]");
    return e[0].get<std::string>() + (e[2].get<long long>() ? ":" + e[2].dump() : "");
  }

  static std::vector<std::string> endpoint_refs(const Json& list) {
    if (list.is_array() && !list.empty() && list[0].is_string())
      return {endpoint_ref(list)};  // Keras 3's one
    std::vector<std::string> out;
    for (const auto& e : list) out.push_back(endpoint_ref(e));
    return out;
  }

  void functional(const Json& config, YAML::Node& out) {
    YAML::Node inputs(YAML::NodeType::Map), layers(YAML::NodeType::Sequence);
    for (const auto& spec : config.value("layers", Json::array())) {
      const std::string cls = spec.value("class_name", "");
      const Json& cfg = spec.contains("config") ? spec["config"] : Json::object();
      const std::string name = cfg.value("name", spec.value("name", ""));
      if (cls == "InputLayer") {
        inputs[name] = input_entry(cfg, name);
        continue;
      }
      YAML::Node line = layer(spec);
      const std::vector<std::string> refs = inbound(spec, name, cls);
      if (line.IsNull()) continue;
      YAML::Node in(YAML::NodeType::Sequence);
      for (const auto& r : refs) in.push_back(r);
      in.SetStyle(YAML::EmitterStyle::Flow);
      // Written after the name and type, where a person puts them.
      YAML::Node ordered(YAML::NodeType::Map);
      ordered["name"] = line["name"];
      ordered["type"] = line["type"];
      ordered["inputs"] = refs.size() == 1 ? YAML::Node(refs[0]) : in;
      for (const auto& kv : line)
        if (kv.first.Scalar() != "name" && kv.first.Scalar() != "type")
          ordered[kv.first.Scalar()] = kv.second;
      ordered.SetStyle(YAML::EmitterStyle::Flow);
      layers.push_back(ordered);
    }
    out["inputs"] = inputs;
    out["layers"] = layers;
    YAML::Node outputs(YAML::NodeType::Sequence);
    for (const auto& r : endpoint_refs(config.value("output_layers", Json::array()))) outputs.push_back(r);
    outputs.SetStyle(YAML::EmitterStyle::Flow);
    out["outputs"] = outputs;
  }

  void sequential(const Json& list, YAML::Node& out) {
    YAML::Node inputs(YAML::NodeType::Map), layers(YAML::NodeType::Sequence);
    bool first = true;
    for (const auto& spec : list) {
      const std::string cls = spec.value("class_name", "");
      const Json& cfg = spec.contains("config") ? spec["config"] : Json::object();
      if (cls == "InputLayer") {
        const std::string name = cfg.value("name", "input");
        inputs[name] = input_entry(cfg, name);
        first = false;
        continue;
      }
      YAML::Node line = layer(spec);
      if (line.IsNull()) continue;
      // Keras 2's Sequential puts the input's shape on its first layer, as the seeds write it.
      if (first && cfg.contains("batch_input_shape") && cfg["batch_input_shape"].is_array() &&
          !cfg["batch_input_shape"].empty()) {
        Json shape = cfg["batch_input_shape"];
        const bool any_batch = shape[0].is_null();
        if (any_batch) shape.erase(shape.begin());  // input_shape, as a person writes it
        line[any_batch ? "input_shape" : "batch_input_shape"] = keras_value(shape);
      }
      first = false;
      layers.push_back(line);
    }
    if (inputs.size() > 0) out["inputs"] = inputs;
    out["layers"] = layers;
  }

  std::string source_;
  std::string kind_;
  int version_ = 2;
  std::vector<Diagnostic> problems_;
};

}  // namespace

std::string keras_json_to_yaml(const nlohmann::ordered_json& model, const std::string& source,
                               const std::string& kind) {
  try {
    return Importer(source, kind).convert(model);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // A value of the wrong kind where Keras writes a name, a list or a number: not a to_json() file.
    throw ConfigError({Diagnostic{SourceLoc{source, 0, 0}, "", "",
                                  std::string("not a Keras model.to_json() file: ") + e.what()}});
  }
}

}  // namespace yamlnet
