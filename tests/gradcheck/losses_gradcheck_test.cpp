// Losses and regularizers against finite differences, and the executor's gradient summation over a whole
// graph.
#include <doctest/doctest.h>

#include <cmath>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/spec/arg_parser.hpp"
#include "interpreter/train/losses.hpp"
#include "tests/gradcheck/gradcheck.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

void check_loss(const std::string& yaml, bool logits_input, const Tensor& input, const Tensor& target) {
  DiagnosticSink sink("test");
  ArgSpec spec("loss", ArgType::Function, Value::none(), "");
  spec.family = &loss_family();
  auto loss = Loss::create(parse_arg(YAML::Load(yaml), spec, sink));
  loss->set_logits_input(logits_input);
  Tensor x = input, grad, scratch;
  loss->compute(x, target, grad);
  const double eps = 1e-6;
  for (Index i = 0; i < x.size(); ++i) {
    const Real saved = x.data[i];
    x.data[i] = saved + eps;
    const double plus = loss->compute(x, target, scratch);
    x.data[i] = saved - eps;
    const double minus = loss->compute(x, target, scratch);
    x.data[i] = saved;
    const double numeric = (plus - minus) / (2 * eps);
    CHECK_MESSAGE(
        std::abs(grad.data[i] - numeric) <= 1e-6 * std::max(1.0, std::abs(numeric)),
        yaml << (logits_input ? " (logits)" : "") << " [" << i << "]: " << grad.data[i] << " vs " << numeric);
  }
}

Tensor make(const Shape& shape, std::vector<double> values) {
  Tensor t(shape);
  for (size_t i = 0; i < values.size(); ++i) t.data[i] = values[i];
  return t;
}

}  // namespace

TEST_CASE("gradcheck: every loss, on probabilities and on logits") {
  const Tensor probs = make({2, 3}, {0.2, 0.5, 0.3, 0.6, 0.1, 0.3});
  const Tensor logits = random_tensor(2, {3}, 31, -3, 3);
  const Tensor onehot = make({2, 3}, {0, 1, 0, 1, 0, 0});
  const Tensor soft = make({2, 3}, {0.1, 0.7, 0.2, 0.5, 0.25, 0.25});
  const Tensor sparse = make({2, 1}, {2, 0});
  check_loss("mse", false, logits, soft);
  check_loss("mae", false, logits, soft);
  check_loss("binary_crossentropy", false, probs, make({2, 3}, {1, 0, 1, 0.3, 0, 1}));
  check_loss("binary_crossentropy", true, logits, make({2, 3}, {1, 0, 1, 0.3, 0, 1}));
  check_loss("categorical_crossentropy", false, probs, soft);
  check_loss("categorical_crossentropy", true, logits, onehot);
  check_loss("{type: categorical_crossentropy, from_logits: true}", true, logits, soft);
  check_loss("sparse_categorical_crossentropy", false, probs, sparse);
  check_loss("sparse_categorical_crossentropy", true, logits, sparse);
  check_loss("{type: binary_crossentropy, label_smoothing: 0.1}", false, probs,
             make({2, 3}, {1, 0, 1, 0, 0, 1}));
  check_loss("{type: binary_crossentropy, label_smoothing: 0.1}", true, logits,
             make({2, 3}, {1, 0, 1, 0, 0, 1}));
  check_loss("{type: categorical_crossentropy, label_smoothing: 0.2}", false, probs, onehot);
  check_loss("{type: categorical_crossentropy, label_smoothing: 0.2}", true, logits, onehot);
  for (const bool on_logits : {false, true}) {
    const Tensor& in = on_logits ? logits : probs;
    check_loss("binary_focal_crossentropy", on_logits, in, make({2, 3}, {1, 0, 1, 0.3, 0, 1}));
    check_loss(
        "{type: binary_focal_crossentropy, gamma: 1.5, apply_class_balancing: true, alpha: 0.4, "
        "label_smoothing: 0.1}",
        on_logits, in, make({2, 3}, {1, 0, 1, 0, 0, 1}));
    check_loss("categorical_focal_crossentropy", on_logits, in, onehot);
    check_loss("{type: categorical_focal_crossentropy, gamma: 0.5, alpha: 0.7, label_smoothing: 0.1}",
               on_logits, in, soft);
  }
  check_loss("{type: huber, delta: 1.5}", false, logits, soft);
  check_loss("log_cosh", false, logits, soft);
  check_loss("poisson", false, probs, make({2, 3}, {0, 2, 1, 3, 0, 1}));
  check_loss("kl_divergence", false, probs, soft);
  check_loss("mean_absolute_percentage_error", false, logits, make({2, 3}, {0.5, -2, 0.25, 1, 3, -0.1}));
  check_loss("mean_squared_logarithmic_error", false, probs, make({2, 3}, {0.5, 2, 0, 1, 3, 0.1}));
  check_loss("cosine_similarity", false, logits, soft);
  check_loss("hinge", false, logits, make({2, 3}, {1, 0, 1, 0, 0, 1}));
  check_loss("squared_hinge", false, logits, make({2, 3}, {1, -1, 0.5, -1, 1, 1}));
  check_loss("categorical_hinge", false, logits, onehot);
}

TEST_CASE("gradcheck: a whole graph with shared inputs, weight and activity regularizers, merges") {
  // `h` feeds three layers (the executor must sum their gradients) and Multiply takes it twice.
  const std::string config = R"(
inputs:
  x: {shape: [4]}
layers:
  - {name: h, type: Dense, units: 3, activation: tanh, kernel_regularizer: {type: l1_l2, l1: 0.01, l2: 0.02},
     bias_regularizer: l2, activity_regularizer: {type: l2, l2: 0.05}}
  - {name: sq, type: Multiply, inputs: [h, h]}
  - {name: side, type: Dense, units: 3, activation: elu, inputs: h, bias_initializer: ones}
  - {name: joined, type: Concatenate, inputs: [sq, side, h]}
  - {name: out, type: Dense, units: 2, activation: sigmoid, activity_regularizer: {type: l1, l1: 0.03}}
outputs: [out]
)";
  Model model(parse_model_spec(config, "graph.yaml"));
  model.initialize(3);
  model.input_buffer(0) = random_tensor(3, {4}, 41, -2, 2);
  const Tensor w = random_tensor(3, {2}, 42);
  auto loss = [&]() {
    model.forward(RunContext{});
    double total = model.weight_penalty() + model.activity_loss();
    for (Index i = 0; i < w.size(); ++i) total += w.data[i] * model.output(0).data[i];
    return total;
  };
  loss();
  model.zero_grads();
  model.output_grad(0).array() += w.array();
  model.backward();
  const double eps = 1e-6;
  for (auto& slot : model.parameters()) {
    for (Index j = 0; j < slot.param->value.size(); ++j) {
      Real& x = slot.param->value.data[j];
      const Real saved = x;
      x = saved + eps;
      const double plus = loss();
      x = saved - eps;
      const double minus = loss();
      x = saved;
      const double numeric = (plus - minus) / (2 * eps);
      CHECK_MESSAGE(std::abs(slot.param->grad_at(j) - numeric) <= 1e-6 * std::max(1.0, std::abs(numeric)),
                    slot.key << "[" << j << "]: " << slot.param->grad_at(j) << " vs " << numeric);
    }
  }
}
