// `yamlnet import` of Keras's model.to_json(): the config a person would write (names kept, defaults left
// out, keras_version recorded), Keras 2's list-form and Keras 3's dict-form inbound nodes, and every
// inexpressible item reported at once.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "interpreter/app/session.hpp"
#include "interpreter/io/keras_json.hpp"
#include "interpreter/spec/model_spec.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

const std::string kKerasInputs = std::string(YAMLNET_SOURCE_DIR) + "/tests/inputs/keras/";

std::string import_file(const std::string& name) {
  return keras_json_to_yaml(nlohmann::ordered_json::parse(slurp(kKerasInputs + name)), name);
}

}  // namespace

TEST_CASE(
    "import: a Keras 2 Functional model (list-form inbound nodes, Bidirectional) as a person writes it") {
  const std::string yaml = import_file("functional_keras2.json");
  CHECK(yaml ==
        "# Imported by yamlnet import from functional_keras2.json (Keras 2's model.to_json()).\n"
        "name: tagger\nkeras_version: 2\ninputs:\n  ids: {shape: [5], dtype: int32}\nlayers:\n"
        "  - {name: emb, type: Embedding, inputs: ids, input_dim: 20, output_dim: 4, mask_zero: true, "
        "input_length: 5}\n"
        "  - {name: bi, type: Bidirectional, inputs: emb, layer: {name: lstm, type: LSTM, units: 3}}\n"
        "  - {name: out, type: Dense, inputs: bi, trainable: false, units: 1, activation: sigmoid, "
        "kernel_regularizer: {type: l2, l2: 0.01}}\n"
        "outputs: [out]\n");
  const Graph graph = validate_model(parse_model_spec(yaml, "imported.yaml"));
  CHECK(graph.num_outputs() == 1);
}

TEST_CASE("import: a Keras 2 Sequential model keeps its first layer's input shape and non-default objects") {
  const std::string yaml = import_file("sequential_keras2.json");
  CHECK(yaml.find("  - {name: dense, type: Dense, units: 32, input_shape: [16]}\n") != std::string::npos);
  CHECK(yaml.find("  - {name: dropout, type: Dropout, rate: 0.25}\n") != std::string::npos);
  CHECK(yaml.find("kernel_initializer: {type: he_normal}, kernel_constraint: {type: max_norm, max_value: 2, "
                  "axis: 0}}") != std::string::npos);
  CHECK(yaml.find("glorot_uniform") == std::string::npos);  // the default, left out
  validate_model(parse_model_spec(yaml, "imported.yaml"));
}

TEST_CASE("import: Keras 3's format (module, dict-form inbound nodes) records keras_version 3") {
  nlohmann::ordered_json model = nlohmann::ordered_json::parse(R"({
    "module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
    "config": {"name": "two", "layers": [
      {"module": "keras.layers", "class_name": "InputLayer", "name": "a",
       "config": {"batch_shape": [null, 3], "dtype": "float32", "sparse": false, "name": "a"}, "inbound_nodes": []},
      {"module": "keras.layers", "class_name": "InputLayer", "name": "b",
       "config": {"batch_shape": [null, 3], "dtype": "float32", "sparse": false, "name": "b"}, "inbound_nodes": []},
      {"module": "keras.layers", "class_name": "Concatenate", "name": "joined",
       "config": {"name": "joined", "trainable": true, "axis": -1},
       "inbound_nodes": [{"args": [[
          {"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["a", 0, 0]}},
          {"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["b", 0, 0]}}]],
          "kwargs": {}}]}],
      "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": ["joined", 0, 0]}})");
  const std::string yaml = keras_json_to_yaml(model, "two.json");
  CHECK(yaml.find("keras_version: 3\n") != std::string::npos);
  CHECK(yaml.find("  - {name: joined, type: Concatenate, inputs: [a, b]}\n") != std::string::npos);
  CHECK(yaml.find("outputs: [joined]\n") != std::string::npos);
  validate_model(parse_model_spec(yaml, "imported.yaml"));
}

TEST_CASE("import: every layer, argument and shared call it cannot express is reported, all at once") {
  try {
    import_file("unsupported.json");
    FAIL("an inexpressible model was imported");
  } catch (const ConfigError& e) {
    std::vector<std::string> messages;
    for (const auto& d : e.diagnostics()) messages.push_back(d.format());
    CHECK(messages ==
          std::vector<std::string>{
              "unsupported.json: error: layer 'double' (Lambda): yamlnet has no Lambda layer",
              "unsupported.json: error: layer 'shared' (Dense): argument 'kernel_quantizer' (\"int8\") "
              "is not one yamlnet models",
              "unsupported.json: error: layer 'shared' (Dense): is called 2 times (a shared layer): "
              "not modelled"});
  }
  CHECK_THROWS_AS(keras_json_to_yaml(nlohmann::ordered_json::parse(R"({"class_name": "Adam", "config": {}})"),
                                     "opt.json"),
                  ConfigError);
  // Values of the wrong kind are a clear error, never a crash or an internal error.
  CHECK_THROWS_AS(
      keras_json_to_yaml(nlohmann::ordered_json::parse(
                             R"({"class_name": "Functional", "config": {"layers": [{"class_name": 3}]}})"),
                         "odd.json"),
      ConfigError);
}
