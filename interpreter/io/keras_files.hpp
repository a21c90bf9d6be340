#pragma once
// Keras's own model files: the legacy HDF5 model (tf.keras 2's model.save("m.h5"): a model_config attribute
// and a model_weights group; Keras 1's layout too) and Keras 3's .keras archive (a zip of config.json,
// metadata.json and model.weights.h5). Their layouts are in keras_weight_layout.hpp.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/core/tensor.hpp"
#include "interpreter/io/tfjs_import.hpp"

namespace yamlnet {

class Graph;
class Model;

// Writes `model` with its weights as tf.keras 2.15 writes model.save("m.h5"), atomically.
void write_keras_h5(Model& model, const std::string& path);
// Writes `model` with its weights as Keras 3 writes model.save("m.keras"), atomically. The same model and
// weights give the same bytes.
void write_keras_archive(Model& model, const std::string& path);

struct KerasLayerWeights {
  std::string layer;                                    // the layer's name in the model
  std::vector<std::pair<std::string, Tensor>> weights;  // in the file's order, with Keras's name (.h5 only)
};

struct KerasModelFile {
  nlohmann::ordered_json topology;  // the model.to_json() form, with keras_version
  std::string keras_version;        // as the file records it ("2.15.0"), empty when it does not
  std::string description;          // "a Keras 2 .h5 model", for the imported config's header
  std::vector<KerasLayerWeights> layers;
};

bool looks_like_hdf5(const std::string& bytes);
bool looks_like_zip(const std::string& bytes);

// The file's topology and weights. Throws DataError naming `source` and the missing or damaged part.
KerasModelFile read_keras_h5(const std::string& bytes, const std::string& source);
KerasModelFile read_keras_archive(const std::string& bytes, const std::string& source);

// The file's weights keyed as `model`'s parameters ("layer/kernel"): by layer name, then in Keras's order
// within the layer, the names checked where the file has them; Keras 1's separate gate matrices (LSTM's 12,
// GRU's 9) joined as Keras 2 loads them. Shapes are checked by assign_imported_weights.
ImportedWeights keras_file_weights(Graph& model, const KerasModelFile& file, const std::string& source);

}  // namespace yamlnet
