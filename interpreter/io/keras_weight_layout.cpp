#include "interpreter/io/keras_weight_layout.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <regex>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace {

using Json = nlohmann::ordered_json;

// config[key] when it is a list, otherwise an empty list: a reference into `config`, since the callers keep
// pointers to its entries (json::value() would return a copy).
const Json& list_entry(const Json& config, const char* key) {
  static const Json kEmpty = Json::array();
  return config.is_object() && config.contains(key) && config[key].is_array() ? config[key] : kEmpty;
}

bool is_recurrent_class(const std::string& cls) {
  return cls == "LSTM" || cls == "GRU" || cls == "SimpleRNN";
}

// The groups, relative to a layer's own, that hold its variables: its cell's for a recurrent layer, the
// inner layer's for TimeDistributed, both sides' for Bidirectional (forward first, as Keras lists them).
std::vector<std::string> variable_subgroups(const Json& spec) {
  const std::string cls = spec.value("class_name", "");
  const Json& config =
      spec.contains("config") && spec["config"].is_object() ? spec["config"] : Json::object();
  const auto under = [](const std::string& prefix, const std::vector<std::string>& subs) {
    std::vector<std::string> out;
    for (const auto& s : subs) out.push_back(s.empty() ? prefix : prefix + "/" + s);
    return out;
  };
  if (is_recurrent_class(cls)) return {"cell"};
  if ((cls == "Bidirectional" || cls == "TimeDistributed") && config.contains("layer") &&
      config["layer"].is_object()) {
    const std::vector<std::string> inner = variable_subgroups(config["layer"]);
    if (cls == "TimeDistributed") return under("layer", inner);
    std::vector<std::string> out = under("forward_layer", inner);
    for (const auto& s : under("backward_layer", inner)) out.push_back(s);
    return out;
  }
  return {""};
}

// The producers a Keras layer's first call reads, by layer name: Keras 1/2's [name, node, tensor, kwargs]
// lists and Keras 3's {args: [...]} with __keras_tensor__ objects (a list argument holds several).
void collect_producers(const Json& value, std::vector<std::string>& out) {
  if (value.is_array() && value.size() >= 3 && value[0].is_string()) {
    out.push_back(value[0]);
  } else if (value.is_object() && value.contains("config") && value["config"].is_object() &&
             value["config"].contains("keras_history") && value["config"]["keras_history"].is_array() &&
             !value["config"]["keras_history"].empty() && value["config"]["keras_history"][0].is_string()) {
    out.push_back(value["config"]["keras_history"][0]);
  } else if (value.is_object() && value.contains("args")) {
    collect_producers(value["args"], out);
  } else if (value.is_array()) {
    for (const auto& item : value) collect_producers(item, out);
  }
}

std::vector<std::string> endpoint_names(const Json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  if (!list.empty() && list[0].is_string()) return {list[0].get<std::string>()};
  for (const auto& e : list)
    if (e.is_array() && !e.empty() && e[0].is_string()) out.push_back(e[0]);
  return out;
}

// Keras 3's Functional order (ops/function.py map_graph): deepest first, where a layer's depth is its
// longest path to an output, ties broken by the order a depth-first walk from the outputs first meets them.
std::vector<const Json*> functional_order(const Json& config, const std::string& source) {
  std::map<std::string, const Json*> by_name;
  std::map<std::string, std::vector<std::string>> producers;
  for (const auto& spec : list_entry(config, "layers")) {
    if (!spec.is_object()) continue;
    const std::string name = spec.value("name", spec.contains("config") && spec["config"].is_object()
                                                    ? spec["config"].value("name", "")
                                                    : "");
    by_name[name] = &spec;
    std::vector<std::string> in;
    if (spec.contains("inbound_nodes") && spec["inbound_nodes"].is_array() && !spec["inbound_nodes"].empty())
      collect_producers(spec["inbound_nodes"][0], in);
    producers[name] = in;
  }
  std::map<std::string, long> first_seen, depth;
  std::vector<std::string> finished;  // producers before consumers
  std::map<std::string, int> state;   // 1 in progress, 2 done
  std::function<void(const std::string&)> walk = [&](const std::string& name) {
    if (!by_name.count(name))
      throw ConfigError({Diagnostic{SourceLoc{source, 0, 0}, name, "",
                                    "the model's graph names a layer '" + name + "' it does not hold"}});
    if (state[name] == 2) return;
    if (state[name] == 1)
      throw ConfigError({Diagnostic{SourceLoc{source, 0, 0}, name, "", "the model's graph has a cycle"}});
    first_seen.emplace(name, static_cast<long>(first_seen.size()));
    state[name] = 1;
    for (const auto& p : producers[name]) walk(p);
    state[name] = 2;
    finished.push_back(name);
  };
  for (const auto& out : endpoint_names(config.value("output_layers", Json::array()))) walk(out);
  for (auto it = finished.rbegin(); it != finished.rend(); ++it)
    for (const auto& p : producers[*it]) depth[p] = std::max(depth[p], depth[*it] + 1);
  std::vector<std::string> names = finished;
  std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return depth[a] != depth[b] ? depth[a] > depth[b] : first_seen[a] < first_seen[b];
  });
  std::vector<const Json*> out;
  for (const auto& n : names) out.push_back(by_name[n]);
  return out;
}

}  // namespace

std::string keras_class_snake_case(const std::string& class_name) {
  std::string name;
  for (char c : class_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') name += c;
  name = std::regex_replace(name, std::regex("(.)([A-Z][a-z]+)"), "$1_$2");
  name = std::regex_replace(name, std::regex("([a-z])([A-Z])"), "$1_$2");
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::string keras2_weight_name(const std::string& key, const std::string& layer_type,
                               const std::string& inner_type) {
  const size_t last = key.rfind('/');
  const std::string scope = key.substr(0, last), weight = key.substr(last + 1);
  const std::string cell_class = layer_type == "Bidirectional" ? inner_type : layer_type;
  const std::string cell =
      is_recurrent_class(cell_class) ? "/" + keras_class_snake_case(cell_class) + "_cell" : "";
  return scope + cell + "/" + weight + ":0";
}

std::vector<Keras3Layer> keras3_layers(const nlohmann::ordered_json& model, const std::string& source) {
  const std::string cls = model.value("class_name", "");
  const Json& config = model.contains("config") ? model["config"] : Json::object();
  std::vector<const Json*> order;
  if (cls == "Sequential") {
    const Json& list = config.is_array() ? config : list_entry(config, "layers");
    for (const auto& spec : list)
      // Sequential.layers leaves out the InputLayer Keras puts first.
      if (spec.is_object() && !(order.empty() && spec.value("class_name", "") == "InputLayer"))
        order.push_back(&spec);
  } else {
    order = functional_order(config, source);
  }
  std::vector<Keras3Layer> out;
  std::map<std::string, int> used;
  for (const Json* spec : order) {
    Keras3Layer layer;
    layer.class_name = spec->value("class_name", "");
    const Json& cfg =
        spec->contains("config") && (*spec)["config"].is_object() ? (*spec)["config"] : Json::object();
    layer.name = cfg.value("name", spec->value("name", ""));
    // saving_lib's _get_unique_name: the first of a class is plain, the next ones _1, _2...
    std::string name = keras_class_snake_case(layer.class_name);
    const auto [it, first] = used.emplace(name, 0);
    if (!first) name += "_" + std::to_string(++it->second);
    layer.path = "layers/" + name;
    for (const auto& sub : variable_subgroups(*spec))
      layer.groups.push_back(layer.path + (sub.empty() ? "" : "/" + sub) + "/vars");
    out.push_back(std::move(layer));
  }
  return out;
}

size_t keras3_group_of(const std::string& key, const Keras3Layer& layer) {
  if (layer.class_name != "Bidirectional" || layer.groups.size() != 2) return 0;
  const size_t slash = key.find('/');
  return key.compare(slash + 1, 9, "backward_") == 0 ? 1 : 0;
}

}  // namespace yamlnet
