// Keras's own files: Keras 1's .h5 layout (each gate's matrices apart) joined as Keras 2 loads it, and a
// corpus of bad .keras and .h5 files, each one clear error naming the file and what is wrong, never a crash.
#include "interpreter/io/keras_files.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/hdf5_file.hpp"
#include "interpreter/io/keras_formats.hpp"
#include "interpreter/io/zip_archive.hpp"
#include "interpreter/spec/model_spec.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

// Imports `path` with its weights as `yamlnet import --weights-out` does; returns the model.
std::unique_ptr<Model> import_with_weights(const std::string& path) {
  const KerasImport imported = import_keras_model(path);
  auto model = std::make_unique<Model>(parse_model_spec(imported.yaml, "imported.yaml"));
  REQUIRE(imported.has_weights);
  assign_imported_weights(*model, imported.weights(*model), path);
  return model;
}

// The error importing `path` gives (its message, with the file's name checked).
std::string import_error(const std::string& path) {
  try {
    import_with_weights(path);
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message.find(path) != std::string::npos);
    return message;
  }
  FAIL("no error for " << path);
  return "";
}

Tensor filled(const Shape& shape, Real value) {
  Tensor t(shape);
  for (auto& v : t.data) v = value;
  return t;
}

// A Keras 1.2 model.save() file of one recurrent layer, each gate's W, U and b filled with the gate's number
// in Keras 1's order, as Keras 1 names them (lstm_1_W_i:0...).
std::string keras1_file(const TempDir& dir, const std::string& cls, const std::vector<std::string>& gates) {
  const std::string name = cls == "LSTM" ? "lstm_1" : "gru_1";
  const nlohmann::json config{
      {"class_name", "Sequential"},
      {"config",
       {{{"class_name", cls},
         {"config",
          {{"name", name}, {"output_dim", 2}, {"batch_input_shape", {nullptr, 3, 4}}, {"input_dim", 4}}}}}}};
  Hdf5File file = Hdf5File::create("keras1.h5");
  file.set_string("", "keras_version", "1.2.2", false);
  file.set_string("", "model_config", config.dump(), false);
  file.create_group("model_weights/" + name);
  file.set_strings("model_weights", "layer_names", {name});
  std::vector<std::string> names;
  for (size_t g = 0; g < gates.size(); ++g) {
    const Real value = static_cast<Real>(g + 1);
    for (const auto& [part, shape] :
         std::vector<std::pair<std::string, Shape>>{{"W", {4, 2}}, {"U", {2, 2}}, {"b", {2}}}) {
      names.push_back(name + "_" + part + "_" + gates[g] + ":0");
      file.write_float32("model_weights/" + name + "/" + names.back(), filled(shape, value));
    }
  }
  file.set_strings("model_weights/" + name, "weight_names", names);
  return dir.write(name + ".h5", file.image());
}

// The gate number in each block of 2 columns of `t`'s first row.
std::vector<Real> gate_blocks(const Tensor& t) {
  std::vector<Real> out;
  for (Index c = 0; c < t.shape.back(); c += 2) out.push_back(t.data[static_cast<size_t>(c)]);
  return out;
}

const std::string kSmallModel =
    "name: m\ninputs: {x: {shape: [3]}}\nlayers: [{name: d, type: Dense, units: 2}]\n";

// A good .keras of the small model, and its entries.
ZipEntries small_keras_entries(const TempDir& dir, const std::string& yaml = kSmallModel) {
  Model model(parse_model_spec(yaml, "m.yaml"));
  model.initialize(1);
  write_keras_archive(model, dir.path("good.keras"));
  return read_zip(slurp(dir.path("good.keras")), "good.keras");
}

ZipEntries replaced(ZipEntries entries, const std::string& name, const std::string& contents) {
  for (auto& [n, c] : entries)
    if (n == name) c = contents;
  return entries;
}

ZipEntries without(ZipEntries entries, const std::string& name) {
  std::erase_if(entries, [&](const auto& e) { return e.first == name; });
  return entries;
}

}  // namespace

TEST_CASE("import: Keras 1's LSTM gates (i, c, f, o apart) join as Keras 2's kernel in i, f, c, o order") {
  TempDir dir;
  const auto model = import_with_weights(keras1_file(dir, "LSTM", {"i", "c", "f", "o"}));
  for (const ParamSlot& slot : model->parameters()) {
    CAPTURE(slot.key);
    // Keras 1's gates were numbered i=1, c=2, f=3, o=4 in the file.
    CHECK(gate_blocks(slot.param->value) == std::vector<Real>{1, 3, 2, 4});
  }
  CHECK(model->parameters().size() == 3);
}

TEST_CASE("import: Keras 1's GRU gates (z, r, h apart) join in the same order") {
  TempDir dir;
  const auto model = import_with_weights(keras1_file(dir, "GRU", {"z", "r", "h"}));
  REQUIRE(model->parameters().size() == 3);
  for (const ParamSlot& slot : model->parameters())
    CHECK(gate_blocks(slot.param->value) == std::vector<Real>{1, 2, 3});
}

TEST_CASE("import: bad .keras files are one clear error each") {
  TempDir dir;
  const ZipEntries good = small_keras_entries(dir);
  const std::string archive = slurp(dir.path("good.keras"));
  auto keras_file = [&](const std::string& name, const std::string& bytes) { return dir.write(name, bytes); };
  CHECK(import_error(keras_file("truncated.keras", archive.substr(0, archive.size() / 2))).find("zip") !=
        std::string::npos);
  CHECK(import_error(keras_file("noconfig.keras", write_zip(without(good, "config.json"), "x")))
            .find("without config.json") != std::string::npos);
  CHECK(import_error(keras_file("badjson.keras", write_zip(replaced(good, "config.json", "{"), "x")))
            .find("config.json is not JSON") != std::string::npos);
  CHECK(import_error(keras_file("noweights.keras", write_zip(without(good, "model.weights.h5"), "x")))
            .find("without model.weights.h5") != std::string::npos);
  CHECK(import_error(
            keras_file("garbage.keras", write_zip(replaced(good, "model.weights.h5", "not hdf5"), "x")))
            .find("not an HDF5 file") != std::string::npos);
  // An unknown class: the layer's name and class are named.
  std::string config;
  for (const auto& [n, c] : good)
    if (n == "config.json") config = c;
  const size_t dense = config.find("\"Dense\"");
  REQUIRE(dense != std::string::npos);
  const std::string lambda = config.substr(0, dense) + "\"Lambda\"" + config.substr(dense + 7);
  const std::string unknown =
      import_error(keras_file("lambda.keras", write_zip(replaced(good, "config.json", lambda), "x")));
  CHECK(unknown.find("'d' (Lambda)") != std::string::npos);
  // Weights of the wrong shape: the config says 3 units, the weights hold 2.
  const ZipEntries three = small_keras_entries(dir,
                                               "name: m\ninputs: {x: {shape: [3]}}\n"
                                               "layers: [{name: d, type: Dense, units: 3}]\n");
  std::string weights_of_two;
  for (const auto& [n, c] : good)
    if (n == "model.weights.h5") weights_of_two = c;
  const std::string shape = import_error(
      keras_file("shape.keras", write_zip(replaced(three, "model.weights.h5", weights_of_two), "x")));
  CHECK(shape.find("'d/kernel' is (3, 2), the model's (3, 3)") != std::string::npos);
}

TEST_CASE("import: bad .h5 files are one clear error each") {
  TempDir dir;
  Model model(parse_model_spec(kSmallModel, "m.yaml"));
  model.initialize(1);
  write_keras_h5(model, dir.path("good.h5"));
  const std::string good = slurp(dir.path("good.h5"));
  CHECK(import_error(dir.write("truncated.h5", good.substr(0, good.size() / 2))).find("HDF5") !=
        std::string::npos);
  CHECK(import_error(dir.write("empty.h5", "")).find("not a Keras model") != std::string::npos);
  {
    Hdf5File file = Hdf5File::create("plain.h5");
    file.create_group("data");
    file.write_float32("data/x", filled({2}, 1));
    CHECK(import_error(dir.write("plain.h5", file.image())).find("without a model_config attribute") !=
          std::string::npos);
  }
  // A weight_names entry with no dataset, and weights listed in another order than the model's.
  const nlohmann::json topology =
      nlohmann::json::parse(Hdf5File::open_image(good, "good.h5").string("", "model_config"));
  for (const auto& [names, expected] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"d/kernel:0", "d/gone:0"}, "no dataset 'model_weights/d/d/gone:0'"},
           {{"d/bias:0", "d/kernel:0"}, "the file's weight 0 is 'd/bias:0' where the model has 'kernel'"}}) {
    Hdf5File file = Hdf5File::create("odd.h5");
    file.set_string("", "keras_version", "2.15.0", true);
    file.set_string("", "model_config", topology.dump(), false);
    file.create_group("model_weights/x");
    file.create_group("model_weights/d");
    file.set_strings("model_weights", "layer_names", {"x", "d"});
    file.set_strings("model_weights/x", "weight_names", {});
    file.write_float32("model_weights/d/d/kernel:0", filled({3, 2}, 1));
    file.write_float32("model_weights/d/d/bias:0", filled({2}, 1));
    file.set_strings("model_weights/d", "weight_names", names);
    CHECK(import_error(dir.write("odd.h5", file.image())).find(expected) != std::string::npos);
  }
  Hdf5File bad_json = Hdf5File::create("badjson.h5");
  bad_json.set_string("", "model_config", "{\"class_name\": ", false);
  CHECK(import_error(dir.write("badjson.h5", bad_json.image())).find("model_config attribute is not JSON") !=
        std::string::npos);
}

TEST_CASE("export-keras: the same model and weights write the same .keras and .h5 bytes") {
  TempDir dir;
  Model model(parse_model_spec(kSmallModel, "m.yaml"));
  model.initialize(3);
  write_keras_archive(model, dir.path("a.keras"));
  write_keras_archive(model, dir.path("b.keras"));
  write_keras_h5(model, dir.path("a.h5"));
  write_keras_h5(model, dir.path("b.h5"));
  CHECK(slurp(dir.path("a.keras")) == slurp(dir.path("b.keras")));
  CHECK(slurp(dir.path("a.h5")) == slurp(dir.path("b.h5")));
}

TEST_CASE("export-keras and import: a TimeDistributed Dense over an LSTM's sequence comes back the same") {
  TempDir dir;
  Model model(parse_model_spec(
      "name: tagger\ninputs: {steps: {shape: [4, 3]}}\nlayers:\n"
      "  - {name: lstm, type: LSTM, units: 5, return_sequences: true}\n"
      "  - {name: tags, type: TimeDistributed, layer: {type: Dense, units: 2, activation: softmax}}\n",
      "tagger.yaml"));
  model.initialize(5);
  for (const std::string file : {"tagger.keras", "tagger.h5"}) {
    CAPTURE(file);
    if (file.ends_with(".keras"))
      write_keras_archive(model, dir.path(file));
    else
      write_keras_h5(model, dir.path(file));
    const auto back = import_with_weights(dir.path(file));
    CHECK(back->spec().find_layer("tags")->type == "TimeDistributed");
    REQUIRE(back->parameters().size() == model.parameters().size());
    for (size_t i = 0; i < model.parameters().size(); ++i) {
      CHECK(back->parameters()[i].key == model.parameters()[i].key);
      CHECK(back->parameters()[i].param->value.data == model.parameters()[i].param->value.data);
    }
  }
}
