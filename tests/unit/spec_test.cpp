// Config parsing: Keras names and defaults, Keras 1 aliases, errors with positions, --set overrides, graph
// order.
#include <doctest/doctest.h>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/spec/arg_spec.hpp"
#include "interpreter/spec/model_spec.hpp"

using namespace yamlnet;

namespace {

std::vector<Diagnostic> errors_of(const std::string& text) {
  try {
    Model model(parse_model_spec(text, "t.yaml"));
  } catch (const ConfigError& e) {
    return e.diagnostics();
  }
  FAIL("expected a ConfigError for:\n" << text);
  return {};
}

const char* kMlp = R"(name: mlp
inputs:
  x: {shape: [4]}
layers:
  - {name: hidden, type: Dense, units: 8, activation: relu}
  - {name: out, type: Dense, units: 2, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
fit: {epochs: 3}
)";

}  // namespace

TEST_CASE("a Sequential-style config: defaults filled in, previous layer as input") {
  const ModelSpec spec = parse_model_spec(kMlp, "t.yaml");
  REQUIRE(spec.layers.size() == 3);
  const LayerDecl& hidden = spec.layers[1];
  CHECK(hidden.args.integer("units") == 8);
  CHECK(hidden.args.get("kernel_initializer").s == "glorot_uniform");
  CHECK(hidden.args.get("bias_initializer").s == "zeros");
  CHECK(hidden.args.boolean("use_bias"));
  CHECK(hidden.inputs.at(0).layer == "x");
  CHECK(spec.layers[2].inputs.at(0).layer == "hidden");
  CHECK(spec.fit.integer("epochs") == 3);
  CHECK(spec.fit.integer("batch_size") == 32);
  CHECK(spec.compile.get("optimizer").number_arg("learning_rate") == doctest::Approx(0.001));
  CHECK(spec.outputs.at(0).layer == "out");
}

TEST_CASE("Keras 1 argument names are accepted with a warning naming the current one") {
  const ModelSpec spec = parse_model_spec(R"(
inputs: {x: {shape: [3]}}
layers:
  - {type: Dense, output_dim: 4, init: he_normal, W_regularizer: l2}
compile: {optimizer: {type: sgd, lr: 0.5}, loss: mse}
)",
                                          "t.yaml");
  CHECK(spec.layers[1].args.integer("units") == 4);
  CHECK(spec.layers[1].args.get("kernel_initializer").s == "he_normal");
  CHECK(spec.layers[1].args.get("kernel_regularizer").s == "l2");
  CHECK(spec.compile.get("optimizer").number_arg("learning_rate") == doctest::Approx(0.5));
  REQUIRE(spec.warnings.size() == 2);
  // `lr`, which Keras 2 still took, is a plain rename; the Keras 1 names make one warning for the file.
  CHECK(spec.warnings[0].format() ==
        "t.yaml:5:34: warning: argument 'lr' is the old name; use 'learning_rate'");
  CHECK(
      spec.warnings[1].format() ==
      "t.yaml:4:19: warning: this config uses Keras 1 argument names (output_dim (now units) at line 4, init "
      "(now kernel_initializer) at line 4, W_regularizer (now kernel_regularizer) at line 4) but "
      "keras_version is 2: Keras 2's defaults and formulas apply (LSTM and GRU recurrent_activation sigmoid, "
      "GRU reset_after true); add `keras_version: 1` at the top for Keras 1's (hard_sigmoid gates, GRU with "
      "the reset before the recurrent product)");
}

TEST_CASE("Keras class names and serialised forms are accepted for functions") {
  const ModelSpec spec = parse_model_spec(R"(
inputs: {x: {shape: [3]}}
layers:
  - {type: Dense, units: 2, kernel_initializer: GlorotNormal,
     bias_initializer: {class_name: RandomUniform, config: {minval: -0.5, maxval: 0.5}},
     kernel_constraint: MaxNorm, kernel_regularizer: {type: L1L2, l2: 0.1}}
)",
                                          "t.yaml");
  const Args& a = spec.layers[1].args;
  CHECK(a.get("kernel_initializer").s == "glorot_normal");
  CHECK(a.get("bias_initializer").number_arg("minval") == doctest::Approx(-0.5));
  CHECK(a.get("kernel_constraint").s == "max_norm");
  CHECK(a.get("kernel_regularizer").number_arg("l2") == doctest::Approx(0.1));
}

TEST_CASE("unknown arguments and types: error at the key with a suggestion, all errors collected") {
  const auto errors = errors_of(R"(inputs: {x: {shape: [3]}}
layers:
  - {name: a, type: Dense, unit: 3}
  - {name: b, type: Dence, units: 2}
  - {name: c, type: Dense, units: 2, activation: rleu}
)");
  REQUIRE(errors.size() == 3);  // the misspelt 'units' is not reported again as missing
  CHECK(errors[0].format() ==
        "t.yaml:3:28: error: layer 'a' (Dense): unknown argument 'unit'; did you mean 'units'?");
  CHECK(errors[1].format().rfind(
            "t.yaml:4:21: error: layer 'b' (Dence): unknown layer type 'Dence'; did you mean 'Dense'?", 0) ==
        0);
  CHECK(errors[2].message.find("unknown activation 'rleu'; did you mean 'relu'?") != std::string::npos);
}

TEST_CASE(
    "functional references: topological order with ties by declaration order, cycles and dangling names") {
  const ModelSpec spec = parse_model_spec(R"(
inputs: {a: {shape: [2]}, b: {shape: [2]}}
layers:
  - {name: late, type: Concatenate, inputs: [left, right]}
  - {name: right, type: Dense, units: 2, inputs: b}
  - {name: left, type: Dense, units: 2, inputs: a}
outputs: late
)",
                                          "t.yaml");
  Model model(spec);
  std::vector<std::string> order;
  for (const auto& n : model.nodes()) order.push_back(n.layer->name());
  CHECK(order == std::vector<std::string>{"a", "b", "right", "left", "late"});
  CHECK(model.output_shape(0) == Shape{4});

  const auto cycle = errors_of(R"(inputs: {x: {shape: [2]}}
layers:
  - {name: p, type: Dense, units: 2, inputs: q}
  - {name: q, type: Dense, units: 2, inputs: p}
)");
  REQUIRE(cycle.size() == 2);
  CHECK(cycle[0].format() ==
        "t.yaml:3:46: error: layer 'p' (Dense): is part of a cycle: its inputs depend on its own output");

  const auto dangling = errors_of(R"(inputs: {x: {shape: [2]}}
layers:
  - {name: hidden, type: Dense, units: 2}
  - {name: out, type: Dense, units: 2, inputs: hiden}
)");
  REQUIRE(dangling.size() == 1);
  CHECK(dangling[0].format() ==
        "t.yaml:4:48: error: layer 'out' (Dense): input 'hiden' is not a layer or input of this model; did "
        "you mean 'hidden'?");
}

TEST_CASE("shape errors name the layer, the shapes and the position") {
  const auto errors = errors_of(R"(inputs: {u: {shape: [8]}, v: {shape: [16]}}
layers:
  - {name: mf, type: Multiply, inputs: [u, v]}
)");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].format() ==
        "t.yaml:3:5: error: layer 'mf' (Multiply): input shapes (8,) and (16,) differ (input shapes (None, "
        "8), (None, 16))");
}

TEST_CASE("--set overrides any value, including a layer's argument by layer name") {
  const ModelSpec spec = parse_model_spec(
      kMlp, "t.yaml",
      {"fit.epochs=1", "layers.hidden.units=64", "compile.optimizer.type=sgd", "data.type=csv"});
  CHECK(spec.fit.integer("epochs") == 1);
  CHECK(spec.layers[1].args.integer("units") == 64);
  CHECK(spec.compile.get("optimizer").s == "sgd");
  CHECK(spec.compile.get("optimizer").number_arg("learning_rate") == doctest::Approx(0.01));
  CHECK_THROWS_AS(parse_model_spec(kMlp, "t.yaml", {"layers.nosuch.units=3"}), UsageError);
  CHECK_THROWS_AS(parse_model_spec(kMlp, "t.yaml", {"fit.epochs"}), UsageError);
}

TEST_CASE("automatic names follow Keras: dense, dense_1") {
  const ModelSpec spec = parse_model_spec(
      "inputs: {x: {shape: [2]}}\nlayers: [{type: Dense, units: 2}, {type: Dense, units: 1}]\n", "t.yaml");
  CHECK(spec.layers[1].name == "dense");
  CHECK(spec.layers[2].name == "dense_1");
}

TEST_CASE("YAML syntax errors carry the position") {
  const auto errors = errors_of("inputs: {x: {shape: [2]}\nlayers: [\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.rfind("YAML syntax", 0) == 0);
  CHECK(errors[0].loc.line > 0);
}

TEST_CASE("snake_case follows Keras's to_snake_case") {
  CHECK(snake_case("LSTM") == "lstm");
  CHECK(snake_case("SimpleRNN") == "simple_rnn");
  CHECK(snake_case("GlorotUniform") == "glorot_uniform");
  CHECK(snake_case("L1L2") == "l1_l2");
  CHECK(snake_case("GlobalAveragePooling1D") == "global_average_pooling1d");
  CHECK(snake_case("Dense") == "dense");
  CHECK(snake_case("relu") == "relu");
}

TEST_CASE("an error in a --set value names that --set argument, not the config's first line") {
  const auto errors_with = [](std::vector<std::string> overrides) {
    try {
      parse_model_spec(kMlp, "t.yaml", overrides);
    } catch (const ConfigError& e) {
      return e.diagnostics();
    }
    FAIL("expected a ConfigError");
    return std::vector<Diagnostic>{};
  };
  auto errors = errors_with({"fit.verbose=1", "fit.epochs=abc"});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].format() ==
        "--set fit.epochs=abc: error: argument 'epochs': expected an integer, got 'abc'");
  errors = errors_with({"layers.hidden.units=[1, two]"});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].format().rfind("--set layers.hidden.units=[1, two]: error: layer 'hidden' (Dense)", 0) ==
        0);
  // A key the override adds (unknown here) is named by its --set too.
  errors = errors_with({"fit.epoch=3"});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].format().rfind("--set fit.epoch=3: error:", 0) == 0);
  // Errors in the file keep their line and column.
  try {
    parse_model_spec(std::string(kMlp) + "seed: -1\n", "t.yaml", {"fit.epochs=2"});
    FAIL("accepted");
  } catch (const ConfigError& e) {
    CHECK(e.diagnostics().at(0).format().rfind("t.yaml:9:7: error:", 0) == 0);
  }
}
