#include "layers/registry.hpp"

#include "layers/core/activation_layer.hpp"
#include "layers/core/dense.hpp"
#include "layers/core/dropout.hpp"
#include "layers/core/flatten.hpp"
#include "layers/core/input_layer.hpp"
#include "layers/core/masking.hpp"
#include "layers/core/repeat_vector.hpp"
#include "layers/core/reshape.hpp"
#include "layers/core/time_distributed.hpp"
#include "layers/core/unit_normalization.hpp"
#include "layers/embedding/embedding.hpp"
#include "layers/functional/activations.hpp"
#include "layers/functional/constraints.hpp"
#include "layers/functional/initializers.hpp"
#include "layers/functional/regularizers.hpp"
#include "layers/merge/concatenate.hpp"
#include "layers/merge/dot.hpp"
#include "layers/merge/elementwise_merge.hpp"
#include "layers/pooling/sequence_pooling.hpp"
#include "layers/recurrent/bidirectional.hpp"
#include "layers/recurrent/gru.hpp"
#include "layers/recurrent/lstm.hpp"
#include "layers/recurrent/simple_rnn.hpp"

namespace yamlnet {

void Registry::add(LayerInfo info) {
  infos_.push_back(std::move(info));
}

const LayerInfo* Registry::find(const std::string& type) const {
  for (const auto& info : infos_)
    if (info.type == type) return &info;
  return nullptr;
}

std::vector<std::string> Registry::types() const {
  std::vector<std::string> out;
  for (const auto& info : infos_) out.push_back(info.type);
  return out;
}

void register_builtin_layers(Registry& registry) {
  registry.add(input_layer_info());
  registry.add(dense_info());
  registry.add(activation_layer_info());
  registry.add(dropout_info());
  registry.add(flatten_info());
  registry.add(reshape_info());
  registry.add(embedding_info());
  registry.add(concatenate_info());
  registry.add(multiply_info());
  registry.add(add_info());
  registry.add(subtract_info());
  registry.add(average_info());
  registry.add(maximum_info());
  registry.add(minimum_info());
  registry.add(dot_info());
  registry.add(global_average_pooling_1d_info());
  registry.add(global_max_pooling_1d_info());
  registry.add(sequence_pooling_info());
  registry.add(unit_normalization_info());
  registry.add(rescaling_info());
  registry.add(lstm_info());
  registry.add(gru_info());
  registry.add(simple_rnn_info());
  registry.add(bidirectional_info());
  registry.add(masking_info());
  registry.add(repeat_vector_info());
  registry.add(time_distributed_info());
}

const Registry& builtin_registry() {
  static const Registry registry = [] {
    Registry r;
    register_builtin_layers(r);
    return r;
  }();
  return registry;
}

std::unique_ptr<Layer> create_wrapped_layer(const Value& layer, const std::string& name_prefix,
                                            int keras_version) {
  const LayerInfo* info = builtin_registry().find(layer.s);
  Args args;
  args.keras_version = keras_version;
  for (const auto& [key, value] : layer.args()) args.set(key, value);
  const std::string name = layer.strings().empty() ? snake_case(layer.s) : layer.strings()[0];
  return info->create(name_prefix + name, args);
}

ArgSpec layer_arg(const std::string& name, const std::string& doc) {
  ArgSpec a(name, ArgType::Layer, Value::none(), doc);
  a.required = true;
  return a;
}

ArgSpec initializer_arg(const std::string& name, const std::string& def, const std::string& doc) {
  return function_arg(name, initializer_family(), def, doc);
}

ArgSpec regularizer_arg(const std::string& name, const std::string& doc) {
  return function_arg(name, regularizer_family(), std::nullopt, doc);
}

ArgSpec constraint_arg(const std::string& name, const std::string& doc) {
  return function_arg(name, constraint_family(), std::nullopt, doc);
}

ArgSpec activation_arg(const std::string& def) {
  return function_arg("activation", activation_family(), def, "activation function applied to the output");
}

}  // namespace yamlnet
