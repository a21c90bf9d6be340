// The seeds' spellings: Keras 1's merge with its modes, the model's input written on the first layer of a
// Sequential model (input_shape, batch_input_shape, input_dim, input_length), an Input's batch_shape, and the
// warning for a mask that reaches a layer which drops it.
#include <doctest/doctest.h>

#include "interpreter/app/session.hpp"
#include "interpreter/graph/mask_flow.hpp"
#include "interpreter/graph/model.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;

namespace {

// Two 2x3 inputs through `merged` (a Keras 1 merge) and `expected` (the Keras 2 layer): same outputs.
void check_merge(const std::string& merged, const std::string& expected) {
  CAPTURE(merged);
  Model model(parse_model_spec(R"(
inputs: {a: {shape: [2, 3]}, b: {shape: [2, 3]}}
layers:
  - {name: merged, inputs: [a, b], )" +
                                   merged + R"(}
  - {name: expected, inputs: [a, b], )" +
                                   expected + R"(}
outputs: [merged, expected]
)",
                               "t.yaml"));
  model.initialize(1);
  model.input_buffer(0) = Tensor({2, 2, 3});
  model.input_buffer(1) = Tensor({2, 2, 3});
  for (Index i = 0; i < 12; ++i) {
    model.input_buffer(0).data[i] = static_cast<Real>(0.3 * i - 1.7);
    model.input_buffer(1).data[i] = static_cast<Real>(1.1 - 0.2 * i * (i % 3));
  }
  model.forward(RunContext{});
  CHECK(model.output(0).shape == model.output(1).shape);
  CHECK(to_vector(model.output(0).data) == to_vector(model.output(1).data));
}

}  // namespace

TEST_CASE("Keras 1's merge: each mode is the Keras 2 layer") {
  check_merge("type: merge", "type: Add");  // Keras 1's default mode is sum
  check_merge("type: Merge, mode: sum", "type: Add");
  check_merge("type: merge, mode: mul", "type: Multiply");
  check_merge("type: merge, mode: ave", "type: Average");
  check_merge("type: merge, mode: max", "type: Maximum");
  check_merge("type: merge, mode: concat", "type: Concatenate");
  check_merge("type: merge, mode: concat, concat_axis: 1", "type: Concatenate, axis: 1");
  check_merge("type: merge, mode: dot", "type: Dot, axes: -1");
  check_merge("type: merge, mode: dot, dot_axes: [1, 1]", "type: Dot, axes: 1");
  check_merge("type: merge, mode: cos, dot_axes: 2", "type: Dot, axes: 2, normalize: true");
}

TEST_CASE("Keras 1's merge: one Keras 1 warning unless keras_version 1, a bad mode is an error at it") {
  const std::string layers = R"(inputs: {a: {shape: [3]}, b: {shape: [3]}}
layers:
  - {type: merge, mode: concat, concat_axis: -1, inputs: [a, b]}
)";
  const ModelSpec keras2 = parse_model_spec(layers, "t.yaml");
  REQUIRE(keras2.warnings.size() == 1);
  CHECK(keras2.warnings[0].message.find("merge (mode: concat) (now Concatenate) at line 3, concat_axis (now "
                                        "axis) at line 3") != std::string::npos);
  CHECK(keras2.layers[2].type == "Concatenate");
  CHECK(keras2.layers[2].name == "merge");
  CHECK(parse_model_spec("keras_version: 1\n" + layers, "t.yaml").warnings.empty());
  CHECK(testing::first_config_error(
            "inputs: {a: {shape: [3]}, b: {shape: [3]}}\nlayers:\n  - {type: merge, mode: concatt, "
            "inputs: [a, b]}\n") ==
        "t.yaml:3:25: error: layer 'merge' (merge): argument 'mode': Keras 1's merge takes one of sum, mul, "
        "ave, max, concat, dot, cos, got 'concatt' (a function mode is Python code: write the layers it "
        "computes); did you mean 'concat'?");
}

TEST_CASE("Sequential: the first layer's input_shape, batch_input_shape, input_dim, input_length") {
  const auto input_of = [](const std::string& first) {
    const ModelSpec spec =
        parse_model_spec("layers:\n  - " + first + "\n  - {type: Dense, units: 1}\n", "t.yaml");
    REQUIRE(spec.layers.size() == 3);
    REQUIRE(spec.layers[0].is_input());
    return spec.layers[0];
  };
  const LayerDecl dense = input_of("{type: Dense, units: 4, input_shape: [784]}");
  CHECK(dense.name == "dense_input");  // Keras's name for a Sequential model's input
  CHECK(dense.args.get("shape").ints() == std::vector<int64_t>{784});
  CHECK(dense.args.string("dtype") == "float32");
  CHECK(input_of("{type: Dense, units: 4, input_dim: 20}").args.get("shape").ints() ==
        std::vector<int64_t>{20});
  const LayerDecl batch = input_of("{type: Dense, units: 4, batch_input_shape: [32, 10]}");
  CHECK(batch.args.get("shape").ints() == std::vector<int64_t>{10});
  CHECK(batch.args.integer("batch_size") == 32);
  CHECK(input_of("{type: Dense, units: 4, batch_input_shape: [null, 10]}").args.get("batch_size").is_none());
  // Keras 1's recurrent input: (input_length, input_dim).
  CHECK(input_of("{type: LSTM, output_dim: 4, input_dim: 8, input_length: 5}").args.get("shape").ints() ==
        std::vector<int64_t>{5, 8});
  // An Embedding's input_dim is its vocabulary; its input_length gives the ids' shape.
  const LayerDecl ids = input_of("{type: Embedding, input_dim: 100, output_dim: 4, input_length: 7}");
  CHECK(ids.args.get("shape").ints() == std::vector<int64_t>{7});
  CHECK(ids.args.string("dtype") == "int32");
  // The model builds and runs from it.
  Model model(parse_model_spec(
      "layers:\n  - {type: Embedding, input_dim: 10, output_dim: 2, input_length: 3}\n  - {type: Flatten}\n"
      "  - {type: Dense, units: 1, activation: sigmoid}\n",
      "t.yaml"));
  CHECK(model.num_inputs() == 1);
  CHECK(model.output_shape(0) == Shape{1});
}

TEST_CASE("Sequential input arguments on a later layer, or beside `inputs`, are errors at their line") {
  CHECK(testing::first_config_error(
            "layers:\n  - {type: Dense, units: 4, input_shape: [3]}\n  - {type: Dense, units: 1, "
            "input_shape: [4]}\n") ==
        "t.yaml:3:42: error: layer 'dense_1' (Dense): 'input_shape' describes the model's input, so only the "
        "first layer of a model without `inputs` takes it; Keras refuses it on a later layer");
  CHECK(
      testing::first_config_error(
          "inputs: {x: {shape: [3]}}\nlayers:\n  - {type: Dense, units: 4, input_dim: 3}\n") ==
      "t.yaml:3:40: error: layer 'dense' (Dense): 'input_dim' describes the model's input, so only the first "
      "layer of a model without `inputs` takes it (this model declares its inputs); Keras refuses it on a "
      "later layer");
  CHECK(testing::first_config_error("layers:\n  - {type: LSTM, units: 4, input_length: 5}\n") ==
        "t.yaml:2:42: error: layer 'lstm' (LSTM): argument 'input_length': a sequence input also needs its "
        "feature size, input_dim (Keras 1's (input_length, input_dim)), or write input_shape: [length, "
        "features]");
  CHECK(
      testing::first_config_error("layers:\n  - {type: Dense, units: 4, input_shape: [null]}\n") ==
      "t.yaml:2:43: error: layer 'dense' (Dense): argument 'input_shape': a variable dimension (null) is not "
      "supported; give its size");
  CHECK(testing::first_config_error("layers:\n  - {type: Dense, units: 4, input_shape: [3], input_dim: 3}\n")
            .find("'input_dim' and 'input_shape' both describe the input") != std::string::npos);
}

TEST_CASE("Input: Keras 3's batch_shape and a name, in `inputs` and as a layer") {
  const ModelSpec spec = parse_model_spec(R"(
inputs:
  - {name: x, batch_shape: [null, 3]}
  - {name: y, batch_shape: [16, 2]}
layers:
  - {type: InputLayer, name: z, batch_input_shape: [null, 4]}
  - {type: Concatenate, inputs: [x, z]}
  - {type: Concatenate, inputs: [concatenate, y]}
)",
                                          "t.yaml");
  CHECK(spec.layers[0].args.get("shape").ints() == std::vector<int64_t>{3});
  CHECK(spec.layers[1].args.integer("batch_size") == 16);
  CHECK(spec.layers[2].name == "z");
  CHECK(spec.layers[2].args.get("shape").ints() == std::vector<int64_t>{4});
  CHECK(testing::first_config_error(
            "inputs: {x: {shape: [3], batch_shape: [null, 3]}}\nlayers: [{type: Dense, units: 1}]\n") ==
        "t.yaml:1:39: error: layer 'x' (Input): 'batch_shape' and 'shape' both give the input's shape: give "
        "one");
}

TEST_CASE("a mask reaching a layer that drops it: one warning naming both layers") {
  Model flatten(parse_model_spec(R"(
inputs: {ids: {shape: [4], dtype: int32}}
layers:
  - {name: emb, type: Embedding, input_dim: 9, output_dim: 2, mask_zero: true}
  - {name: flat, type: Flatten}
  - {name: out, type: Dense, units: 1}
)",
                                 "t.yaml"));
  flatten.initialize(1);
  const auto warnings = dropped_mask_warnings(flatten);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].rfind("t.yaml:5:5: warning: layer 'flat' (Flatten): cannot use the mask that 'emb' "
                          "(Embedding) passes it",
                          0) == 0);
  // Pooling uses the mask: nothing to say.
  Model pooled(parse_model_spec(R"(
inputs: {ids: {shape: [4], dtype: int32}}
layers:
  - {name: emb, type: Embedding, input_dim: 9, output_dim: 2, mask_zero: true}
  - {name: pool, type: GlobalAveragePooling1D}
  - {name: out, type: Dense, units: 1}
)",
                                "t.yaml"));
  pooled.initialize(1);
  CHECK(dropped_mask_warnings(pooled).empty());
}

TEST_CASE("SequencePooling's length input masks the steps at or beyond it, ANDed with mask_zero") {
  // Embedding rows are nonzero for every id (id 0 too), so padding that counted would show.
  const auto pool = [](const std::string& mode, bool mask_zero) {
    Model model(parse_model_spec(R"(
inputs: {ids: {shape: [4], dtype: int32}, length: {shape: [1]}}
layers:
  - {name: emb, type: Embedding, inputs: ids, input_dim: 5, output_dim: 1, mask_zero: )" +
                                     std::string(mask_zero ? "true" : "false") + R"(}
  - {name: pool, type: SequencePooling, inputs: [emb, length], mode: )" +
                                     mode + R"(}
)",
                                 "t.yaml"));
    model.parameters()[0].param->value.data = {10, 1, 2, 3, 4};  // id k -> k, except id 0 -> 10
    model.input_buffer(0) = Tensor({2, 4});
    model.input_buffer(0).data = {3, 0, 2, 0, 4, 1, 0, 0};  // a zero inside the first row's length
    model.input_buffer(1) = Tensor({2, 1});
    model.input_buffer(1).data = {3, 2};
    model.forward(RunContext{});
    return to_vector(model.output(0).data);
  };
  // Without mask_zero: steps 0-2 of row 0 (3, 10, 2), steps 0-1 of row 1 (4, 1); the rest is ignored.
  CHECK(pool("sum", false) == std::vector<Real>{15, 5});
  CHECK(pool("max", false) == std::vector<Real>{10, 4});
  const auto mean = pool("mean", false);
  CHECK(mean[0] == doctest::Approx(15 / (3 + 1e-8)));
  CHECK(mean[1] == doctest::Approx(5 / (2 + 1e-8)));
  // With mask_zero too, the zero id inside the length is left out as well.
  CHECK(pool("sum", true) == std::vector<Real>{5, 5});
  CHECK(pool("max", true) == std::vector<Real>{3, 4});
}
