// Recurrent layers: closed-form cases, Keras 1 arguments, stateful carry-over, and the errors Keras would
// raise (or silently get wrong).
#include <doctest/doctest.h>

#include <cmath>

#include "interpreter/app/session.hpp"
#include "interpreter/graph/model.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;

namespace {

// Runs a 1-unit recurrent layer over `steps` zero inputs with all weights zero but the bias.
double run_with_bias(const std::string& layer, const std::vector<Real>& bias, Index steps) {
  Model model(parse_model_spec(
      "inputs: {x: {shape: [" + std::to_string(steps) + ", 2]}}\nlayers:\n  - " + layer + "\n", "t.yaml"));
  for (auto& slot : model.parameters()) {
    slot.param->value.set_zero();
    if (slot.param->name == "bias") slot.param->value.data.assign(bias.begin(), bias.end());
  }
  model.input_buffer(0).resize({1, steps, 2});
  model.input_buffer(0).set_zero();
  model.forward(RunContext{});
  return model.output(0).data[0];
}

}  // namespace

TEST_CASE("closed form: an LSTM with input and forget gates open accumulates tanh(b_c) each step") {
  // hard_sigmoid saturates exactly: bias 3 opens a gate fully, -3 closes it.
  const double bc = 0.4;
  for (Index steps : {1, 3, 6}) {
    const double h = run_with_bias("{type: LSTM, units: 1, recurrent_activation: hard_sigmoid}",
                                   {3, 3, Real(bc), 3}, steps);
    CHECK(h == doctest::Approx(std::tanh(steps * std::tanh(bc))));
  }
  // Forget gate closed: c holds only this step's candidate.
  CHECK(run_with_bias("{type: LSTM, units: 1, recurrent_activation: hard_sigmoid}", {3, -3, Real(bc), 3},
                      5) == doctest::Approx(std::tanh(std::tanh(bc))));
  // Output gate closed: h is zero.
  CHECK(run_with_bias("{type: LSTM, units: 1, recurrent_activation: hard_sigmoid}", {3, 3, Real(bc), -3},
                      4) == 0.0);
}

TEST_CASE("closed form: a GRU with the update gate closed takes the candidate, open, it keeps the state") {
  const double bh = -0.7;
  // reset_after: bias rows [input; recurrent], each z, r, h.
  CHECK(run_with_bias("{type: GRU, units: 1, recurrent_activation: hard_sigmoid}", {-3, 0, Real(bh), 0, 0, 0},
                      3) == doctest::Approx(std::tanh(bh)));
  CHECK(run_with_bias("{type: GRU, units: 1, recurrent_activation: hard_sigmoid}", {3, 0, Real(bh), 0, 0, 0},
                      3) == 0.0);
  CHECK(run_with_bias("{type: GRU, units: 1, recurrent_activation: hard_sigmoid, reset_after: false}",
                      {-3, 0, Real(bh)}, 2) == doctest::Approx(std::tanh(bh)));
}

TEST_CASE("Keras 1 recurrent arguments are accepted with warnings") {
  const ModelSpec spec = parse_model_spec(R"(
inputs: {x: {shape: [4, 2]}}
layers:
  - {type: LSTM, output_dim: 3, inner_init: orthogonal, inner_activation: hard_sigmoid, forget_bias_init: one,
     dropout_W: 0.1, dropout_U: 0.2, U_regularizer: l2, consume_less: gpu}
)",
                                          "t.yaml");
  const Args& a = spec.layers[1].args;
  CHECK(a.integer("units") == 3);
  CHECK(a.get("recurrent_activation").s == "hard_sigmoid");
  CHECK(a.boolean("unit_forget_bias"));
  CHECK(a.number("dropout") == doctest::Approx(0.1));
  CHECK(a.number("recurrent_dropout") == doctest::Approx(0.2));
  CHECK(a.get("recurrent_regularizer").s == "l2");
  CHECK(a.get("forget_bias_init").s == "ones");
  // One warning for the whole config: Keras 2's defaults apply, and how to get Keras 1's.
  REQUIRE(spec.warnings.size() == 1);
  const std::string& message = spec.warnings[0].message;
  CHECK(message.find("output_dim (now units) at line 4, inner_init (now recurrent_initializer) at line 4") !=
        std::string::npos);
  CHECK(message.find("and 3 more") != std::string::npos);
  CHECK(message.find("keras_version is 2: Keras 2's defaults") != std::string::npos);
  CHECK(message.find("add `keras_version: 1`") != std::string::npos);
}

TEST_CASE("keras_version 1: Keras 1's recurrent defaults, its names without a warning") {
  const ModelSpec spec = parse_model_spec(R"(
keras_version: 1
inputs: {x: {shape: [4, 2]}}
layers:
  - {type: LSTM, output_dim: 3, return_sequences: true, consume_less: mem}
  - {type: GRU, output_dim: 2, return_sequences: true}
  - {type: GRU, output_dim: 2, inner_activation: sigmoid, reset_after: true}
  - {type: SimpleRNN, output_dim: 2}
)",
                                          "t.yaml");
  CHECK(spec.keras_version == 1);
  CHECK(spec.warnings.empty());
  CHECK(spec.layers[1].args.get("recurrent_activation").s == "hard_sigmoid");
  CHECK(spec.layers[2].args.get("recurrent_activation").s == "hard_sigmoid");
  CHECK_FALSE(spec.layers[2].args.boolean("reset_after"));
  // What a config writes wins over the version's default.
  CHECK(spec.layers[3].args.get("recurrent_activation").s == "sigmoid");
  CHECK(spec.layers[3].args.boolean("reset_after"));
  // Under Keras 2 the same layers take Keras 2's defaults.
  const ModelSpec keras2 =
      parse_model_spec("inputs: {x: {shape: [4, 2]}}\nlayers: [{type: GRU, units: 2}]\n", "t.yaml");
  CHECK(keras2.keras_version == 2);
  CHECK(keras2.layers[1].args.get("recurrent_activation").s == "sigmoid");
  CHECK(keras2.layers[1].args.boolean("reset_after"));
}

TEST_CASE("Keras 1's GRU by hand: hard_sigmoid gates, the reset before the recurrent product") {
  // One unit, one feature, two steps, no bias: z = hs(x Wz + h Uz), r = hs(x Wr + h Ur),
  // h~ = tanh(x Wh + (r h) Uh), h = z h' + (1 - z) h~, with hs(v) = clip(0.2 v + 0.5, 0, 1).
  Model model(
      parse_model_spec("keras_version: 1\ninputs: {x: {shape: [2, 1]}}\nlayers: [{type: GRU, output_dim: 1, "
                       "use_bias: false}]\n",
                       "t.yaml"));
  auto& p = model.nodes()[1].layer->params();
  const double wz = 0.5, wr = -1.0, wh = 2.0, uz = 1.5, ur = 0.25, uh = -0.75;
  p[0].value.data = {Real(wz), Real(wr), Real(wh)};
  p[1].value.data = {Real(uz), Real(ur), Real(uh)};
  model.input_buffer(0) = Tensor({1, 2, 1});
  model.input_buffer(0).data = {Real(0.8), Real(-1.2)};
  model.forward(RunContext{});
  auto hs = [](double v) { return std::clamp(0.2 * v + 0.5, 0.0, 1.0); };
  double h = 0;
  for (const double x : {0.8, -1.2}) {
    const double z = hs(x * wz + h * uz), r = hs(x * wr + h * ur);
    const double candidate = std::tanh(x * wh + (r * h) * uh);
    h = z * h + (1 - z) * candidate;
  }
  CHECK(model.output(0).data[0] == doctest::Approx(h).epsilon(1e-6));
}

TEST_CASE("Keras 1's forget_bias_init: any initializer for the forget gate's bias") {
  const auto forget_bias = [](const std::string& init) {
    Model model(
        parse_model_spec("keras_version: 1\ninputs: {x: {shape: [4, 2]}}\nlayers: [{type: LSTM, "
                         "output_dim: 2, forget_bias_init: " +
                             init + "}]\n",
                         "t.yaml"));
    model.initialize(1);
    return to_vector(model.nodes()[1].layer->params()[2].value.data);
  };
  CHECK(forget_bias("one") == std::vector<Real>{0, 0, 1, 1, 0, 0, 0, 0});
  CHECK(forget_bias("zero") == std::vector<Real>{0, 0, 0, 0, 0, 0, 0, 0});
  const auto uniform = forget_bias("uniform");  // Keras 1's uniform: within +-0.05
  CHECK(uniform[2] != 0);
  CHECK(std::abs(uniform[2]) <= 0.05);
  CHECK(std::abs(uniform[3]) <= 0.05);
  CHECK(uniform[0] == 0);
  CHECK(uniform[4] == 0);
}

TEST_CASE("consume_less takes Keras 1's values only") {
  CHECK(testing::first_config_error(
            "inputs: {x: {shape: [4, 2]}}\nlayers: [{type: LSTM, units: 2, consume_less: fast}]\n") ==
        "t.yaml:2:47: error: layer 'lstm' (LSTM): argument 'consume_less': expected one of cpu, mem, gpu "
        "(Keras 1's values), got 'fast'");
}

TEST_CASE("unit_forget_bias starts the forget gate's bias at one") {
  Model model(parse_model_spec("inputs: {x: {shape: [4, 2]}}\nlayers: [{type: LSTM, units: 2}]\n", "t.yaml"));
  model.initialize(1);
  const auto bias = to_vector(model.nodes()[1].layer->params()[2].value.data);
  CHECK(bias == std::vector<Real>{0, 0, 1, 1, 0, 0, 0, 0});
}

TEST_CASE("recurrent errors: rank-2 input, stateful without a batch size, missing state output") {
  CHECK(testing::first_config_error("inputs: {x: {shape: [8]}}\nlayers: [{type: LSTM, units: 2}]\n") ==
        "t.yaml:2:10: error: layer 'lstm' (LSTM): expects a sequence of shape (timesteps, features) per "
        "sample, got (None, 8) "
        "(use Reshape, or an Embedding before it) (input shape (None, 8))");
  CHECK(testing::first_config_error(
            "inputs: {x: {shape: [4, 2]}}\nlayers: [{type: GRU, units: 2, stateful: true}]\n") ==
        "t.yaml:2:42: error: layer 'gru' (GRU): stateful: true needs a fixed batch size: give the model "
        "input a batch_size "
        "(Keras: batch_input_shape)");
  CHECK(testing::first_config_error(
            "inputs: {x: {shape: [4, 2]}}\nlayers:\n  - {name: l, type: LSTM, units: 2, return_state: true}\n"
            "  - {name: d, type: Dense, units: 1, inputs: 'l:3'}\n") ==
        "t.yaml:4:5: error: layer 'd' (Dense): input 'l:3' does not exist: 'l' has 3 output(s)");
  CHECK(testing::first_config_error(
            "inputs: {x: {shape: [4], dtype: int32}}\nlayers: [{type: Embedding, input_dim: 1, "
            "output_dim: 2, mask_zero: true}]\n")
            .find("mask_zero reserves id 0 for padding") != std::string::npos);
}

TEST_CASE("stateful: states carry from one call to the next until reset") {
  Model model(parse_model_spec(
      "inputs: {x: {shape: [3, 2], batch_size: 2}}\nlayers: [{type: SimpleRNN, units: 2, stateful: true}]\n",
      "t.yaml"));
  model.initialize(4);
  model.input_buffer(0).resize({2, 3, 2});
  for (Index i = 0; i < 12; ++i) model.input_buffer(0).data[i] = static_cast<Real>(i) / 10;
  model.forward(RunContext{});
  const std::vector<Real> first = to_vector(model.output(0).data);
  model.forward(RunContext{});
  CHECK(to_vector(model.output(0).data) != first);  // started from the carried state
  model.reset_states();
  model.forward(RunContext{});
  CHECK(to_vector(model.output(0).data) == first);
  model.input_buffer(0).resize({1, 3, 2});
  CHECK_THROWS_WITH_AS(model.forward(RunContext{}),
                       "layer 'simple_rnn' is stateful: every batch must have 2 samples, got 1 (use a "
                       "batch_size that divides the data, or reset_states)",
                       TrainingError);
}

TEST_CASE("Masking: masked steps become zeros, take no gradient, and mask the LSTM after it") {
  Model model(parse_model_spec(R"(
inputs: {x: {shape: [3, 2]}}
layers:
  - {name: m, type: Masking, mask_value: -1}
  - {name: l, type: LSTM, units: 2, return_sequences: true}
)",
                               "t.yaml"));
  model.initialize(2);
  model.input_buffer(0).resize({1, 3, 2});
  model.input_buffer(0).data = {0.5, 0.2, -1, -1, 0.3, -1};  // step 1 is padding; step 2 is not
  model.forward(RunContext{});
  const Tensor& masked = model.layer_output(1);
  CHECK(to_vector(masked.data) == std::vector<Real>{0.5, 0.2, 0, 0, 0.3, -1});
  REQUIRE(model.output_mask(0) != nullptr);
  CHECK(to_vector(model.output_mask(0)->data) == std::vector<Real>{1, 0, 1});
  const Tensor& y = model.output(0);
  CHECK(y.data[2] == y.data[0]);  // the masked step repeats the previous output
  CHECK(y.data[3] == y.data[1]);
}

TEST_CASE(
    "stateful training: fit.batch_size must match the input's, reset_states: epoch repeats the first epoch") {
  testing::TempDir dir;
  std::string rows = "a,b,c,d,y\n";
  for (int r = 0; r < 8; ++r)
    rows += std::to_string(r % 3) + "," + std::to_string(r % 2) + ",1,0," + std::to_string(r % 2) + "\n";
  const std::string data = dir.write("d.csv", rows);
  const std::string config =
      dir.write("s.yaml",
                "name: s\nseed: 3\ninputs: {x: {shape: [2, 2], batch_size: 4}}\nlayers:\n"
                "  - {type: LSTM, units: 2, stateful: true}\n  - {name: out, type: Dense, units: 1, "
                "activation: sigmoid}\n"
                "compile: {optimizer: {type: sgd, learning_rate: 0}, loss: bce}\n"
                "data: {type: csv, columns: {x: [a, b, c, d], out: [y]}, train: " +
                    data +
                    "}\n"
                    "fit: {epochs: 2, batch_size: 4, shuffle: false, reset_states: epoch}\n");
  // A zero learning rate keeps the weights: with states reset, epoch 2 sees exactly what epoch 1 saw.
  const auto history = run_train(RunOptions{config, {}, "", dir.path("w.json")}, nullptr).history;
  CHECK(history[0].logs == history[1].logs);
  const auto carried =
      run_train(RunOptions{config, {"fit.reset_states=none"}, "", dir.path("w2.json")}, nullptr).history;
  CHECK(carried[0].logs != carried[1].logs);
  CHECK_THROWS_WITH_AS(run_train(RunOptions{config, {"fit.batch_size=2"}, "", dir.path("w3.json")}, nullptr),
                       "the model's input has batch_size 4 but fit.batch_size is 2", TrainingError);
}

TEST_CASE("pooling: an all-padding row pools to zeros (Keras gives NaN for the average)") {
  Model model(parse_model_spec(R"(
inputs: {ids: {shape: [3], dtype: int32}}
layers:
  - {type: Embedding, input_dim: 4, output_dim: 2, mask_zero: true}
  - {type: GlobalAveragePooling1D}
)",
                               "t.yaml"));
  model.initialize(1);
  model.input_buffer(0).resize({2, 3});
  model.input_buffer(0).data = {0, 0, 0, 1, 0, 3};
  model.forward(RunContext{});
  CHECK(model.output(0).data[0] == 0);
  CHECK(model.output(0).data[1] == 0);
  CHECK(model.output(0).data[2] != 0);
  CHECK(model.output_mask(0) == nullptr);
}
