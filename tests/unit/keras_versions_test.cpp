// keras_version: which Keras's defaults and formulas a config follows (1, 2 or 3), where it is shown and
// recorded, and the formulas that differ (Concatenate's mask; hard_sigmoid is in functional_test and golden).
#include <doctest/doctest.h>

#include "interpreter/app/session.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/graph/summary.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;

namespace {

// Two masked sequences of three steps concatenated on the features: Embedding masks [1 0 1] and [0 0 1].
std::vector<Real> concatenated_mask(int keras_version, bool second_masked) {
  // Built by appending: GCC 12 warns (-Warray-bounds, falsely) on the one-expression concatenation.
  std::string text = "keras_version: ";
  text += std::to_string(keras_version);
  text += R"(
inputs: {a: {shape: [3], dtype: int32}, b: {shape: [3], dtype: int32}}
layers:
  - {name: ea, type: Embedding, input_dim: 4, output_dim: 2, mask_zero: true, inputs: a}
  - {name: eb, type: Embedding, input_dim: 4, output_dim: 2, mask_zero: )";
  text += second_masked ? "true" : "false";
  text += R"(, inputs: b}
  - {name: c, type: Concatenate, inputs: [ea, eb]}
)";
  Model model(parse_model_spec(text, "t.yaml"));
  model.initialize(1);
  model.input_buffer(0) = Tensor({1, 3});
  model.input_buffer(0).data = {1, 0, 2};
  model.input_buffer(1) = Tensor({1, 3});
  model.input_buffer(1).data = {0, 0, 3};
  model.forward(RunContext{});
  REQUIRE(model.output_mask(0) != nullptr);
  return to_vector(model.output_mask(0)->data);
}

}  // namespace

TEST_CASE("Concatenate's feature mask: all() of the inputs' before Keras 3, any() from it") {
  CHECK(concatenated_mask(2, true) == std::vector<Real>{0, 0, 1});
  CHECK(concatenated_mask(1, true) == std::vector<Real>{0, 0, 1});
  CHECK(concatenated_mask(3, true) == std::vector<Real>{1, 0, 1});
  // An input without a mask counts as all valid: Keras 2 keeps the other's mask, Keras 3's any() is all ones.
  CHECK(concatenated_mask(2, false) == std::vector<Real>{1, 0, 1});
  CHECK(concatenated_mask(3, false) == std::vector<Real>{1, 1, 1});
}

TEST_CASE("keras_version: shown by summary, recorded in the effective config, checked") {
  const std::string layers = "inputs: {x: {shape: [3]}}\nlayers: [{type: Dense, units: 2}]\n";
  const ModelSpec plain = parse_model_spec(layers, "t.yaml");
  CHECK(plain.keras_version == 2);
  CHECK(plain.effective_config.find("keras_version: 2") != std::string::npos);
  const ModelSpec three = parse_model_spec("keras_version: 3\n" + layers, "t.yaml");
  CHECK(three.keras_version == 3);
  Model model(three);
  CHECK(model_summary(model).rfind("Model: \"t\" (keras_version 3)\n", 0) == 0);
  // --set reaches it like any other key.
  CHECK(parse_model_spec(layers, "t.yaml", {"keras_version=1"}).keras_version == 1);
  CHECK(testing::first_config_error("keras_version: 4\n" + layers) ==
        "t.yaml:1:16: error: argument 'keras_version': must be <= 3, got 4");
  CHECK(testing::first_config_error("keras_version: 2.1\n" + layers)
            .find("t.yaml:1:16: error: argument 'keras_version'") == 0);
}
