#include "interpreter/io/keras_export.hpp"

#include <cstring>
#include <filesystem>

#include "interpreter/graph/model.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/value_json.hpp"
#include "layers/core/input_layer.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

namespace {

using Json = nlohmann::ordered_json;

// yamlnet's layers that no Keras has (DeepCTR's SequencePooling): a Keras file cannot hold them.
bool has_keras_form(const std::string& type) {
  return type != "SequencePooling";
}

// Keras's object for a regularizer: TF.js knows L1L2 alone, which also stands for l1 and l2.
Json regularizer_json(const Value& v) {
  Json config{{"l1", 0.0}, {"l2", 0.0}};
  for (const auto& [key, arg] : v.args())
    if (key == "l1" || key == "l2") config[key.str()] = arg.as_double();
  return {{"class_name", "L1L2"}, {"config", config}};
}

// An argument as Keras writes it: an activation by name, another function as {class_name, config}.
Json keras_value_json(const Value& v, const ArgSpec* spec);

Json function_json(const Value& v, const ArgSpec* spec) {
  const std::string family = spec && spec->family ? spec->family->name : "";
  if (family == "activation") return v.s;
  if (family == "regularizer") return regularizer_json(v);
  Json config = Json::object();
  for (const auto& [key, arg] : v.args()) config[key.str()] = keras_value_json(arg, nullptr);
  std::string name = camel_case(v.s);
  // TF.js spells Keras's LecunUniform / LecunNormal with a capital C.
  if (name.rfind("Lecun", 0) == 0) name = "LeCun" + name.substr(5);
  return {{"class_name", name}, {"config", config}};
}

Json keras_value_json(const Value& v, const ArgSpec* spec) {
  return v.kind == Value::Kind::Function ? function_json(v, spec) : value_json(v);
}

class Exporter {
 public:
  explicit Exporter(const Model& model) : model_(model) {}

  Json topology() {
    Json layers = Json::array(), inputs = Json::array(), outputs = Json::array();
    for (const Node& node : model_.nodes())
      layers.push_back(node.is_input ? input_json(node) : layer_json(node));
    for (size_t i = 0; i < model_.num_inputs(); ++i)
      inputs.push_back({model_.input_node(i).layer->name(), 0, 0});
    for (size_t k = 0; k < model_.num_outputs(); ++k) {
      const OutputRef ref = model_.output_ref(k);
      outputs.push_back({model_.nodes()[static_cast<size_t>(ref.node)].layer->name(), 0, ref.index});
    }
    if (!problems_.empty()) throw ConfigError(problems_);
    return {{"class_name", "Model"},
            {"config",
             {{"name", model_.spec().name},
              {"layers", layers},
              {"input_layers", inputs},
              {"output_layers", outputs}}},
            {"keras_version", "2.15.0"},
            {"backend", "tensorflow"}};
  }

 private:
  Json input_json(const Node& node) {
    // A stateful model's batch size is part of its input (Keras's batch_input_shape), as TF.js requires.
    Json shape = Json::array();
    if (const auto batch = model_.fixed_batch_size())
      shape.push_back(*batch);
    else
      shape.push_back(nullptr);
    for (Index d : node.output_shapes[0]) shape.push_back(d);
    const auto* input = dynamic_cast<const InputLayer*>(node.layer.get());
    const std::string name = node.layer->name();
    return {{"class_name", "InputLayer"},
            {"config",
             {{"batch_input_shape", shape},
              {"dtype", input && input->is_integer() ? "int32" : "float32"},
              {"sparse", false},
              {"name", name}}},
            {"name", name},
            {"inbound_nodes", Json::array()}};
  }

  Json layer_config(const LayerDecl& decl, const std::string& name) {
    Json config{{"name", name}, {"trainable", decl.trainable}, {"dtype", "float32"}};
    if (decl.args.keras_version == 3)
      for (const auto& [key, value] : decl.args.items())
        if (value.kind == Value::Kind::String && value.s == "hard_sigmoid")
          problems_.push_back(
              Diagnostic{decl.loc, decl.name, decl.type,
                         "argument '" + key.str() + "': Keras 3's hard_sigmoid has no Keras 2 / TF.js form"});
    for (const auto& [key, value] : decl.args.items()) {
      const ArgSpec* spec = nullptr;
      if (decl.info)
        for (const auto& a : decl.info->args)
          if (a.name == key.str()) spec = &a;
      if (spec && spec->type == ArgType::Layer) {
        config[key.str()] = wrapped_layer(value, decl);
        continue;
      }
      config[key.str()] = keras_value_json(value, spec);
    }
    return config;
  }

  // Bidirectional's or TimeDistributed's inner layer: {class_name, config}.
  Json wrapped_layer(const Value& value, const LayerDecl& outer) {
    LayerDecl inner;
    inner.type = value.s;
    inner.name = value.strings().empty() ? snake_case(value.s) : value.strings()[0];
    inner.loc = outer.loc;
    for (const auto& [key, arg] : value.args()) inner.args.set(key.str(), arg);
    inner.args.keras_version = outer.args.keras_version;
    inner.info = builtin_registry().find(value.s);
    return {{"class_name", value.s}, {"config", layer_config(inner, inner.name)}};
  }

  Json layer_json(const Node& node) {
    const LayerDecl& decl = *node.decl;
    const std::string name = node.layer->name();
    if (!has_keras_form(decl.type))
      problems_.push_back(Diagnostic{decl.loc, decl.name, decl.type, "no Keras layer computes this"});
    Json call = Json::array();
    for (const OutputRef& in : node.inputs)
      call.push_back(
          {model_.nodes()[static_cast<size_t>(in.node)].layer->name(), 0, in.index, Json::object()});
    return {{"class_name", decl.type},
            {"config", layer_config(decl, name)},
            {"name", name},
            {"inbound_nodes", Json::array({call})}};
  }

  const Model& model_;
  std::vector<Diagnostic> problems_;
};

}  // namespace

nlohmann::ordered_json keras_topology(const Model& model) {
  return Exporter(model).topology();
}

std::vector<std::string> write_tfjs_model(Model& model, const std::string& dir) {
  const Json topology = keras_topology(model);
  Json weights = Json::array();
  std::string shard;
  // In the graph's order, each layer's weights in Keras's order: the order TF.js creates them in.
  for (const ParamSlot& slot : model.parameters()) {
    const Tensor& value = slot.param->value;
    weights.push_back({{"name", slot.key}, {"shape", value.shape}, {"dtype", "float32"}});
    for (Index i = 0; i < value.size(); ++i) {
      const auto f = static_cast<float>(value.data[static_cast<size_t>(i)]);
      char bytes[sizeof f];
      std::memcpy(bytes, &f, sizeof f);  // little-endian, as every machine we build for
      shard.append(bytes, sizeof f);
    }
  }
  const std::string shard_name = "group1-shard1of1.bin";
  const Json manifest = Json::array({{{"paths", {shard_name}}, {"weights", weights}}});
  const Json model_json{{"format", "layers-model"},
                        {"generatedBy", "yamlnet"},
                        {"convertedBy", nullptr},
                        {"modelTopology", topology},
                        {"weightsManifest", manifest}};
  std::filesystem::create_directories(dir);
  const std::string json_path = (std::filesystem::path(dir) / "model.json").string();
  const std::string shard_path = (std::filesystem::path(dir) / shard_name).string();
  write_file_atomically(shard_path, shard);
  write_file_atomically(json_path, model_json.dump(1) + "\n");
  return {json_path, shard_path};
}

}  // namespace yamlnet
