#pragma once
// A model in Keras's own formats: the Keras 2 model.to_json() topology (what TF.js Layers reads) and a
// TF.js Layers model folder (model.json with the topology and a weights manifest, one binary shard of
// little-endian float32 in the manifest's order).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace yamlnet {

class Model;

// Whose reader the topology is for. TF.js and tf.keras 2 read Keras 2's form (TF.js spells LecunNormal
// LeCunNormal); Keras 3's .keras holds its own form (module and registered_name on every object,
// {args, kwargs} inbound nodes of __keras_tensor__ objects, build_config).
enum class KerasForm { Tfjs, Keras2, Keras3 };

// The topology of `model` as a functional Keras model with every argument written out. Throws ConfigError
// naming each layer and argument that has no form for that reader, all at once: yamlnet's own layers (such
// as SequencePooling), and hard_sigmoid across Keras 3 (its formula differs from Keras 1 and 2's).
nlohmann::ordered_json keras_topology(const Model& model, KerasForm form = KerasForm::Tfjs);

// Writes `dir`/model.json and `dir`/group1-shard1of1.bin (the folder is created); returns the files.
std::vector<std::string> write_tfjs_model(Model& model, const std::string& dir);

}  // namespace yamlnet
