// libFuzzer target: any bytes as a Keras model description, through every import path: a model.to_json()
// or TF.js model.json, the config.json of a .keras archive and the model_config attribute of a legacy .h5
// (both around the weights of a small Dense model), then the config built and the weights matched to it.
// Only yamlnet::Error may come out. The HDF5 and zip containers themselves are built here, not fuzzed:
// their parsers are libhdf5's and libzip's (the suite's bad-file corpus covers damaged containers).
// Run longer by hand: build-sanitize/fuzz_keras -max_total_time=3600 corpus/ tests/inputs/keras
#include <cstdint>
#include <string>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/core/errors.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/hdf5_file.hpp"
#include "interpreter/io/keras_formats.hpp"
#include "interpreter/io/zip_archive.hpp"
#include "interpreter/spec/model_spec.hpp"

namespace {

void import_all_the_way(const std::string& bytes, const std::string& source) {
  try {
    const yamlnet::KerasImport imported = yamlnet::import_keras_bytes(bytes, source);
    yamlnet::Model model(yamlnet::parse_model_spec(imported.yaml, "fuzz.yaml"));
    if (imported.has_weights) yamlnet::assign_imported_weights(model, imported.weights(model), source);
  } catch (const yamlnet::Error&) {
  }
}

yamlnet::Tensor zeros(const yamlnet::Shape& shape) {
  return yamlnet::Tensor(shape);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (text.compare(0, 4, "PK\x03\x04") == 0 || text.compare(0, 4, "\x89HDF") == 0) return 0;
  import_all_the_way(text, "fuzz.json");

  // A Dense layer named d (3 -> 2) as Keras 3 keeps its variables, and as tf.keras 2 does.
  static const std::string weights = [] {
    yamlnet::Hdf5File file = yamlnet::Hdf5File::create("model.weights.h5");
    file.write_float32("layers/dense/vars/0", zeros({3, 2}));
    file.write_float32("layers/dense/vars/1", zeros({2}));
    return file.image();
  }();
  const yamlnet::ZipEntries entries{{"metadata.json", "{\"keras_version\": \"3.16.0\"}"},
                                    {"config.json", text},
                                    {"model.weights.h5", weights}};
  import_all_the_way(yamlnet::write_zip(entries, "fuzz.keras"), "fuzz.keras");

  yamlnet::Hdf5File legacy = yamlnet::Hdf5File::create("fuzz.h5");
  legacy.set_string("", "keras_version", "2.15.0", true);
  legacy.set_string("", "model_config", text, false);
  legacy.create_group("model_weights/d");
  legacy.set_strings("model_weights", "layer_names", {"d"});
  legacy.write_float32("model_weights/d/d/kernel:0", zeros({3, 2}));
  legacy.write_float32("model_weights/d/d/bias:0", zeros({2}));
  legacy.set_strings("model_weights/d", "weight_names", {"d/kernel:0", "d/bias:0"});
  import_all_the_way(legacy.image(), "fuzz.h5");
  return 0;
}
