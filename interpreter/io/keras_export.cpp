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
Json keras_value_json(const Value& v, const ArgSpec* spec, KerasForm form);

// Keras 3 serialises every object with the module it comes from and a registered_name (null for Keras's
// own classes).
Json keras3_object(const std::string& module, const std::string& class_name, const Json& config) {
  return {{"module", module}, {"class_name", class_name}, {"config", config}, {"registered_name", nullptr}};
}

Json function_json(const Value& v, const ArgSpec* spec, KerasForm form) {
  const std::string family = spec && spec->family ? spec->family->name : "";
  if (family == "activation") return v.s;
  Json object;
  if (family == "regularizer") {
    object = regularizer_json(v);
  } else {
    Json config = Json::object();
    for (const auto& [key, arg] : v.args()) config[key.str()] = keras_value_json(arg, nullptr, form);
    std::string name = camel_case(v.s);
    // TF.js spells Keras's LecunUniform / LecunNormal with a capital C.
    if (form == KerasForm::Tfjs && name.rfind("Lecun", 0) == 0) name = "LeCun" + name.substr(5);
    object = {{"class_name", name}, {"config", config}};
  }
  if (form != KerasForm::Keras3) return object;
  // The family names Keras's module: initializers, regularizers, constraints.
  return keras3_object("keras." + (family.empty() ? std::string("initializer") : family) + "s",
                       object["class_name"], object["config"]);
}

Json keras_value_json(const Value& v, const ArgSpec* spec, KerasForm form) {
  return v.kind == Value::Kind::Function ? function_json(v, spec, form) : value_json(v);
}

class Exporter {
 public:
  Exporter(const Model& model, KerasForm form) : model_(model), form_(form) {}

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
    Json config{{"name", model_.spec().name},
                {"layers", layers},
                {"input_layers", inputs},
                {"output_layers", outputs}};
    if (form_ == KerasForm::Keras3) {
      config["trainable"] = true;
      Json root = keras3_object("keras.src.models.functional", "Functional", config);
      root["registered_name"] = "Functional";
      root["build_config"] = {{"input_shape", nullptr}};
      return root;
    }
    // TF.js reads Keras 2's name for a functional model; tf.keras 2.4 and later write "Functional".
    return {{"class_name", form_ == KerasForm::Tfjs ? "Model" : "Functional"},
            {"config", config},
            {"keras_version", "2.15.0"},
            {"backend", "tensorflow"}};
  }

 private:
  // A tensor's batch shape: a stateful model's batch size is part of it (Keras's batch_input_shape), as
  // TF.js requires; otherwise any batch.
  Json batch_shape(const Shape& per_sample) const {
    Json shape = Json::array();
    if (const auto batch = model_.fixed_batch_size())
      shape.push_back(*batch);
    else
      shape.push_back(nullptr);
    for (Index d : per_sample) shape.push_back(d);
    return shape;
  }

  static bool integer_input(const Node& node) {
    const auto* input = dynamic_cast<const InputLayer*>(node.layer.get());
    return node.is_input && input && input->is_integer();
  }

  Json input_json(const Node& node) {
    const std::string name = node.layer->name();
    const std::string dtype = integer_input(node) ? "int32" : "float32";
    const Json shape = batch_shape(node.output_shapes[0]);
    if (form_ == KerasForm::Keras3) {
      Json out = keras3_object("keras.layers", "InputLayer",
                               {{"batch_shape", shape}, {"dtype", dtype}, {"sparse", false}, {"name", name}});
      out["name"] = name;
      out["inbound_nodes"] = Json::array();
      return out;
    }
    return {{"class_name", "InputLayer"},
            {"config", {{"batch_input_shape", shape}, {"dtype", dtype}, {"sparse", false}, {"name", name}}},
            {"name", name},
            {"inbound_nodes", Json::array()}};
  }

  Json layer_config(const LayerDecl& decl, const std::string& name) {
    Json config{{"name", name}, {"trainable", decl.trainable}, {"dtype", "float32"}};
    // Keras 3's hard_sigmoid is relu6(x + 3) / 6, Keras 1 and 2's clip(0.2x + 0.5): a file for the other
    // Keras would silently compute something else.
    const bool keras3_semantics = decl.args.keras_version == 3;
    if (keras3_semantics != (form_ == KerasForm::Keras3))
      for (const auto& [key, value] : decl.args.items())
        if ((value.kind == Value::Kind::String || value.kind == Value::Kind::Function) &&
            value.s == "hard_sigmoid")
          problems_.push_back(
              Diagnostic{decl.loc, decl.name, decl.type,
                         "argument '" + key.str() + "': keras_version " +
                             std::to_string(decl.args.keras_version) + "'s hard_sigmoid has no form in " +
                             (form_ == KerasForm::Keras3 ? "Keras 3 (.keras)" : "Keras 2 (TF.js, .h5)") +
                             ", whose hard_sigmoid is another function"});
    for (const auto& [key, value] : decl.args.items()) {
      if (decl.execution_only(key.str())) continue;
      const ArgSpec* spec = nullptr;
      if (decl.info)
        for (const auto& a : decl.info->args)
          if (a.name == key.str()) spec = &a;
      if (spec && spec->type == ArgType::Layer) {
        config[key.str()] = wrapped_layer(value, decl);
        continue;
      }
      config[key.str()] = keras_value_json(value, spec, form_);
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
    const Json config = layer_config(inner, inner.name);
    if (form_ == KerasForm::Keras3) return keras3_object("keras.layers", value.s, config);
    return {{"class_name", value.s}, {"config", config}};
  }

  // Keras 3's record of a tensor a layer was called on (no module: it is not a class Keras imports).
  Json keras_tensor(const OutputRef& in) const {
    const Node& producer = model_.nodes()[static_cast<size_t>(in.node)];
    return {{"class_name", "__keras_tensor__"},
            {"config",
             {{"shape", batch_shape(producer.output_shapes[static_cast<size_t>(in.index)])},
              {"dtype", integer_input(producer) ? "int32" : "float32"},
              {"keras_history", {producer.layer->name(), 0, in.index}}}}};
  }

  Json layer_json(const Node& node) {
    const LayerDecl& decl = *node.decl;
    const std::string name = node.layer->name();
    if (!has_keras_form(decl.type))
      problems_.push_back(Diagnostic{decl.loc, decl.name, decl.type, "no Keras layer computes this"});
    if (form_ == KerasForm::Keras3) {
      Json tensors = Json::array(), shapes = Json::array();
      for (const OutputRef& in : node.inputs) {
        tensors.push_back(keras_tensor(in));
        shapes.push_back(tensors.back()["config"]["shape"]);
      }
      // A layer of several inputs (a merge) is called on one list of them.
      const bool several = tensors.size() > 1;
      Json out = keras3_object("keras.layers", decl.type, layer_config(decl, name));
      out["build_config"] = {{"input_shape", several ? shapes : shapes[0]}};
      out["name"] = name;
      out["inbound_nodes"] =
          Json::array({{{"args", several ? Json::array({tensors}) : tensors}, {"kwargs", Json::object()}}});
      return out;
    }
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
  const KerasForm form_;
  std::vector<Diagnostic> problems_;
};

}  // namespace

nlohmann::ordered_json keras_topology(const Model& model, KerasForm form) {
  return Exporter(model, form).topology();
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
