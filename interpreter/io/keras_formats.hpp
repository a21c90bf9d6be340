#pragma once
// The Keras file formats yamlnet reads and writes, one entry each: export-keras picks a writer by --format or
// by the output's extension, import recognises a file by its first bytes.
#include <functional>
#include <string>
#include <vector>

#include "interpreter/io/tfjs_import.hpp"

namespace yamlnet {

class Graph;
class Model;

struct KerasFormat {
  std::string name;                     // --format value
  std::string description;              // for --help
  std::vector<std::string> extensions;  // an output path ending so chooses it
  // Writes the model and its weights to `path`; returns the files written.
  std::vector<std::string> (*write)(Model& model, const std::string& path);
};

const std::vector<KerasFormat>& keras_formats();

// `format` when given (UsageError naming the choices when unknown), otherwise the format `output`'s
// extension names, otherwise tfjs (a folder).
const KerasFormat& choose_keras_format(const std::string& format, const std::string& output);

struct KerasImport {
  std::string yaml;  // the config a person would write
  bool has_weights = false;
  // The file's weights for the model built from `yaml`, keyed by its parameters.
  std::function<ImportedWeights(Graph& model)> weights;
};

// Any Keras model file: a model.to_json() or TF.js model.json, a .keras archive, a legacy .h5. Throws
// DataError or ConfigError naming the file and everything it cannot express.
KerasImport import_keras_model(const std::string& path);
// The same for a file's bytes, `source` naming it.
KerasImport import_keras_bytes(const std::string& bytes, const std::string& source);

}  // namespace yamlnet
