#pragma once
// Where Keras keeps each weight of a model in its files, and which of yamlnet's parameters that is.
// - The legacy .h5 (Keras 1 and 2, and Keras 3's legacy writer): a group per layer under model_weights, its
//   weight_names attribute listing datasets named as tf.keras 2 names variables ("dense/kernel:0",
//   "lstm/lstm_cell/kernel:0", "bi/forward_lstm/lstm_cell/kernel:0"). Keras loads them by layer and position.
// - The .keras archive's model.weights.h5 (Keras 3's saving_lib): the model's layers in Keras's order, each
//   under layers/<its class in snake case, numbered per class> ("layers/dense", "layers/dense_1"), its
//   variables in vars/0, vars/1... of the layer's group or of its cell's (cell/vars), a wrapper's inner
//   layer's (layer/vars) or a Bidirectional's two sides' (forward_layer/cell/vars, backward_layer/...).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace yamlnet {

// Keras's naming.to_snake_case of a class name: SimpleRNN -> simple_rnn, InputLayer -> input_layer.
std::string keras_class_snake_case(const std::string& class_name);

// The tf.keras 2 name of the weight yamlnet keys `key` ("layer/kernel") in a layer of class `layer_type`
// (`inner_type`: a wrapper's inner class).
std::string keras2_weight_name(const std::string& key, const std::string& layer_type,
                               const std::string& inner_type);

struct Keras3Layer {
  std::string name;                 // the layer's name in the model
  std::string class_name;           // its Keras class
  std::string path;                 // its own group ("layers/lstm")
  std::vector<std::string> groups;  // the HDF5 groups holding its variables, in its weights' order
};

// The layers of a Keras 3 model config (config.json: {class_name: Functional or Sequential, config}) in the
// order Keras 3 walks them when it saves or loads weights, each with the groups its variables are in.
// Throws ConfigError naming `source` when the config's graph cannot be followed.
std::vector<Keras3Layer> keras3_layers(const nlohmann::ordered_json& model, const std::string& source);

// Which of `groups` (a Keras3Layer's) holds yamlnet's parameter `key` of that layer: a Bidirectional's
// forward_/backward_ parameters go to their side, every other layer has one group.
size_t keras3_group_of(const std::string& key, const Keras3Layer& layer);

}  // namespace yamlnet
