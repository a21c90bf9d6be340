#pragma once
// A model in Keras's own formats: the Keras 2 model.to_json() topology (what TF.js Layers reads) and a
// TF.js Layers model folder (model.json with the topology and a weights manifest, one binary shard of
// little-endian float32 in the manifest's order).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace yamlnet {

class Model;

// The Keras 2 (tf.keras / TF.js) topology of `model`: class_name "Model", every argument written out,
// list-form inbound nodes. Throws ConfigError naming each layer and argument that has no Keras form
// (yamlnet's own layers such as SequencePooling, keras_version 3's hard_sigmoid), all at once.
nlohmann::ordered_json keras_topology(const Model& model);

// Writes `dir`/model.json and `dir`/group1-shard1of1.bin (the folder is created); returns the files.
std::vector<std::string> write_tfjs_model(Model& model, const std::string& dir);

}  // namespace yamlnet
