#pragma once
// Explicit registration of layer types (no static self-registration: it breaks static linking, caffe#2799).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "interpreter/spec/arg_spec.hpp"
#include "layers/layer.hpp"

namespace yamlnet {

struct LayerInfo {
  std::string type;  // Keras's class name: "Dense"
  std::string doc;
  std::vector<ArgSpec> args;
  std::vector<KerasAlias> aliases;
  size_t min_inputs = 1;
  size_t max_inputs = 1;  // SIZE_MAX: any number
  std::function<std::unique_ptr<Layer>(const std::string& name, const Args& args)> create;
};

class Registry {
 public:
  void add(LayerInfo info);
  const LayerInfo* find(const std::string& type) const;
  std::vector<std::string> types() const;
  const std::vector<LayerInfo>& all() const { return infos_; }

 private:
  std::vector<LayerInfo> infos_;
};

// The usual factory: a layer type constructible from (name, args).
template <typename LayerType>
std::unique_ptr<Layer> create_layer(const std::string& name, const Args& args) {
  return std::make_unique<LayerType>(name, args);
}

// A layer described by a nested layer argument (Bidirectional's and TimeDistributed's `layer`).
// keras_version is the wrapper's (Args::keras_version).
std::unique_ptr<Layer> create_wrapped_layer(const Value& layer, const std::string& name_prefix,
                                            int keras_version);
ArgSpec layer_arg(const std::string& name, const std::string& doc);

void register_builtin_layers(Registry& registry);
// The registry with every built-in layer, made once.
const Registry& builtin_registry();

// Argument specs shared by layers that own weights.
ArgSpec initializer_arg(const std::string& name, const std::string& def, const std::string& doc);
ArgSpec regularizer_arg(const std::string& name, const std::string& doc);
ArgSpec constraint_arg(const std::string& name, const std::string& doc);
ArgSpec activation_arg(const std::string& def);

}  // namespace yamlnet
