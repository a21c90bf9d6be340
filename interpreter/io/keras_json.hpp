#pragma once
// Keras's model.to_json() as a yamlnet config: Sequential and Functional models, Keras 2's `class_name` /
// `config` form with list-form inbound_nodes and Keras 3's form (module, registered_name, dict-form
// inbound_nodes with __keras_tensor__ arguments), nested Bidirectional / TimeDistributed layers. The YAML is
// what a person would write: layer names kept, only the arguments that differ from the defaults, the Keras
// version recorded.
#include <nlohmann/json.hpp>
#include <string>

namespace yamlnet {

// The config for `model` (the parsed to_json() text), read from `source` (named in the header comment and
// in errors). Throws ConfigError listing everything it cannot express at once: each layer yamlnet does not
// have, each argument it does not model, each shared layer, by layer name and class.
// `kind` says what the source is in the config's header comment ("a Keras 3 .keras model"); empty: Keras N's
// model.to_json().
std::string keras_json_to_yaml(const nlohmann::ordered_json& model, const std::string& source,
                               const std::string& kind = "");

}  // namespace yamlnet
