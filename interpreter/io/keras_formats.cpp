#include "interpreter/io/keras_formats.hpp"

#include <memory>

#include "interpreter/core/errors.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/keras_export.hpp"
#include "interpreter/io/keras_files.hpp"
#include "interpreter/io/keras_json.hpp"

namespace yamlnet {

namespace {

// A JSON value of the wrong kind somewhere in a Keras file (a number where Keras writes a name, a missing
// list) is the file's problem, reported as such; nlohmann's own exceptions are not yamlnet errors.
template <typename F>
auto with_json_errors_as_data(const std::string& path, F read) {
  try {
    return read();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path, std::string("not a Keras model file as Keras writes it: ") + e.what());
  }
}

std::vector<std::string> write_keras_file(Model& model, const std::string& path) {
  write_keras_archive(model, path);
  return {path};
}

std::vector<std::string> write_h5_file(Model& model, const std::string& path) {
  write_keras_h5(model, path);
  return {path};
}

// A model.to_json() text or a TF.js model.json (the topology under modelTopology, with a weights manifest).
KerasImport import_json_model(const std::string& path, const std::string& text) {
  auto json = std::make_shared<nlohmann::ordered_json>();
  try {
    *json = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw DataError(path, std::string("not a Keras model (JSON, .keras or .h5): ") + e.what());
  }
  const bool tfjs = json->is_object() && json->contains("modelTopology");
  KerasImport out;
  out.yaml =
      keras_json_to_yaml(tfjs ? (*json)["modelTopology"] : *json, path, tfjs ? "a TF.js Layers model" : "");
  out.has_weights = tfjs;
  out.weights = [json, path](Graph&) {
    return with_json_errors_as_data(path, [&] { return read_tfjs_weights(*json, path); });
  };
  return out;
}

KerasImport import_file_model(const std::string& path, std::shared_ptr<const KerasModelFile> file) {
  KerasImport out;
  out.yaml = keras_json_to_yaml(file->topology, path, file->description);
  out.has_weights = true;
  out.weights = [file, path](Graph& model) {
    return with_json_errors_as_data(path, [&] { return keras_file_weights(model, *file, path); });
  };
  return out;
}

// The file by its first bytes: a zip is a .keras, HDF5 a legacy .h5, anything else JSON.
KerasImport import_any(const std::string& bytes, const std::string& path) {
  if (looks_like_zip(bytes))
    return import_file_model(path, std::make_shared<KerasModelFile>(read_keras_archive(bytes, path)));
  if (looks_like_hdf5(bytes))
    return import_file_model(path, std::make_shared<KerasModelFile>(read_keras_h5(bytes, path)));
  return import_json_model(path, bytes);
}

}  // namespace

const std::vector<KerasFormat>& keras_formats() {
  static const std::vector<KerasFormat> formats{
      {"keras",
       "a Keras 3 .keras archive (config.json, metadata.json, model.weights.h5)",
       {".keras"},
       write_keras_file},
      {"h5",
       "a legacy Keras .h5 model, as tf.keras 2 saves it (model_config, model_weights)",
       {".h5", ".hdf5"},
       write_h5_file},
      {"tfjs", "a TF.js Layers model folder (model.json + one weights shard)", {}, write_tfjs_model},
  };
  return formats;
}

const KerasFormat& choose_keras_format(const std::string& format, const std::string& output) {
  std::string names;
  for (const KerasFormat& f : keras_formats()) {
    if (!format.empty() && f.name == format) return f;
    if (format.empty())
      for (const auto& ext : f.extensions)
        if (output.ends_with(ext)) return f;
    names += (names.empty() ? "" : ", ") + f.name;
  }
  if (!format.empty()) throw UsageError("export-keras --format " + format + ": not one of " + names);
  return choose_keras_format("tfjs", output);
}

KerasImport import_keras_model(const std::string& path) {
  return import_keras_bytes(read_file(path), path);
}

KerasImport import_keras_bytes(const std::string& bytes, const std::string& path) {
  return with_json_errors_as_data(path, [&] { return import_any(bytes, path); });
}

}  // namespace yamlnet
