// compile and fit as Keras users write them: a loss per output (list or map), loss_weights, metrics per
// output, sample_weight, class_weight and weighted_metrics, checked against the formulas written out by hand.
#include <doctest/doctest.h>

#include <cmath>

#include "interpreter/app/session.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/spec/model_spec.hpp"
#include "interpreter/train/trainer.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

// Two outputs over x: a = x0 + x1 (linear), b = sigmoid(x0 + x1); every kernel weight 1, biases 0, so each
// prediction is known by hand.
std::string two_outputs(const std::string& compile) {
  return "name: two\nseed: 1\ninputs: {x: {shape: [2]}}\nlayers:\n"
         "  - {name: a, type: Dense, units: 1, inputs: x, kernel_initializer: ones}\n"
         "  - {name: b, type: Dense, units: 1, activation: sigmoid, inputs: x, kernel_initializer: ones}\n"
         "outputs: [a, b]\ncompile: " +
         compile + "\n";
}

struct Rows {
  std::vector<double> x0, x1, ya, yb, w;
};

const Rows kRows{{0.5, -1.0, 0.25, 2.0, -0.5},
                 {0.25, 0.5, -0.75, -1.5, 0.0},
                 {1.0, 0.0, -1.0, 0.0, 1.0},
                 {1, 0, 0, 1, 1},
                 {1.0, 3.0, 0.0, 0.5, 2.0}};

Dataset dataset(const Rows& rows, bool weighted, bool two_targets = true) {
  const auto n = static_cast<Index>(rows.x0.size());
  Dataset data;
  data.inputs.push_back(DataArray{"x", Tensor({n, 2}), "mem", {}});
  data.targets.push_back(DataArray{"a", Tensor({n, 1}), "mem", {}});
  if (two_targets) data.targets.push_back(DataArray{"b", Tensor({n, 1}), "mem", {}});
  if (weighted) data.sample_weights = DataArray{"sample_weight", Tensor({n, 1}), "mem", {}};
  for (Index r = 0; r < n; ++r) {
    const auto i = static_cast<size_t>(r);
    data.inputs[0].values.data[2 * i] = static_cast<Real>(rows.x0[i]);
    data.inputs[0].values.data[2 * i + 1] = static_cast<Real>(rows.x1[i]);
    data.targets[0].values.data[i] = static_cast<Real>(rows.ya[i]);
    if (two_targets) data.targets[1].values.data[i] = static_cast<Real>(rows.yb[i]);
    if (weighted) data.sample_weights.values.data[i] = static_cast<Real>(rows.w[i]);
  }
  return data;
}

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

std::vector<std::string> log_names(const Logs& logs) {
  std::vector<std::string> names;
  for (const auto& [name, value] : logs) names.push_back(name);
  return names;
}

}  // namespace

TEST_CASE("a loss per output by name, loss_weights, metrics per output, sample_weight: Keras's sums") {
  Model model(parse_model_spec(
      two_outputs("{optimizer: sgd, loss: {a: mse, b: binary_crossentropy}, loss_weights: {a: 0.5, b: 2}, "
                  "metrics: {a: [mae]}, weighted_metrics: {b: [binary_accuracy]}}"),
      "t.yaml"));
  model.initialize(1);
  Trainer trainer(model, model.spec().compile, 1);
  const Logs logs = trainer.evaluate(dataset(kRows, true), 2);  // three batches, the last one short
  CHECK(log_names(logs) ==
        std::vector<std::string>{"loss", "a_loss", "b_loss", "a_mae", "b_binary_accuracy"});
  // Keras: each loss is sum(w * loss) / rows; the total weighs them by loss_weights; unweighted metrics
  // ignore w, weighted ones are sum(w * value) / sum(w).
  const double n = 5;
  double mse = 0, bce = 0, mae = 0, hits = 0, weight_sum = 0;
  for (size_t i = 0; i < 5; ++i) {
    const double z = kRows.x0[i] + kRows.x1[i], w = kRows.w[i], p = sigmoid(z);
    mse += w * (z - kRows.ya[i]) * (z - kRows.ya[i]);
    bce += w * -(kRows.yb[i] * std::log(p) + (1 - kRows.yb[i]) * std::log(1 - p));
    mae += std::abs(z - kRows.ya[i]);
    hits += w * (((p > 0.5) == (kRows.yb[i] > 0.5)) ? 1.0 : 0.0);
    weight_sum += w;
  }
  CHECK(*find_log(logs, "a_loss") == doctest::Approx(mse / n).epsilon(1e-6));
  CHECK(*find_log(logs, "b_loss") == doctest::Approx(bce / n).epsilon(1e-6));
  CHECK(*find_log(logs, "loss") == doctest::Approx(0.5 * mse / n + 2 * bce / n).epsilon(1e-6));
  CHECK(*find_log(logs, "a_mae") == doctest::Approx(mae / n).epsilon(1e-6));
  CHECK(*find_log(logs, "b_binary_accuracy") == doctest::Approx(hits / weight_sum).epsilon(1e-6));
}

TEST_CASE("loss_weights and sample_weight scale the gradient as they scale the loss (one SGD step)") {
  // a's kernel feeds only a: its step is -lr * 0.5 * (2 / N) * sum(w * (a - ya) * x); b's loss weight 0
  // leaves b's kernel where it was.
  Model model(parse_model_spec(two_outputs("{optimizer: {type: sgd, learning_rate: 0.1}, loss: [mse, bce], "
                                           "loss_weights: [0.5, 0]}"),
                               "t.yaml"));
  model.initialize(1);
  Trainer trainer(model, model.spec().compile, 1);
  const Dataset data = dataset(kRows, true);
  trainer.train_on_batch(data, 0, 5);
  double step0 = 0, step1 = 0, step_bias = 0;
  for (size_t i = 0; i < 5; ++i) {
    const double residual = kRows.x0[i] + kRows.x1[i] - kRows.ya[i];
    step0 += kRows.w[i] * residual * kRows.x0[i];
    step1 += kRows.w[i] * residual * kRows.x1[i];
    step_bias += kRows.w[i] * residual;
  }
  const double scale = 0.1 * 0.5 * 2.0 / 5.0;
  const Tensor& a_kernel = model.find("a")->layer->params()[0].value;
  const Tensor& a_bias = model.find("a")->layer->params()[1].value;
  CHECK(a_kernel.data[0] == doctest::Approx(1.0 - scale * step0).epsilon(1e-6));
  CHECK(a_kernel.data[1] == doctest::Approx(1.0 - scale * step1).epsilon(1e-6));
  CHECK(a_bias.data[0] == doctest::Approx(-scale * step_bias).epsilon(1e-6));
  const Tensor& b_kernel = model.find("b")->layer->params()[0].value;
  CHECK(b_kernel.data[0] == 1.0f);
  CHECK(b_kernel.data[1] == 1.0f);
}

TEST_CASE("class_weight multiplies each sample's loss by its class's weight in fit, not in evaluation") {
  const std::string config =
      "name: one\nseed: 1\ninputs: {x: {shape: [2]}}\nlayers:\n"
      "  - {name: b, type: Dense, units: 1, activation: sigmoid, kernel_initializer: ones}\n"
      "compile: {optimizer: {type: sgd, learning_rate: 0.0}, loss: bce, metrics: [accuracy], "
      "weighted_metrics: [accuracy]}\n";
  Model model(parse_model_spec(config, "t.yaml"));
  model.initialize(1);
  Trainer trainer(model, model.spec().compile, 1);
  Rows rows = kRows;
  rows.ya = rows.yb;  // the only output is the binary one
  const Dataset data = dataset(rows, true, false);
  FitOptions options;
  options.batch_size = 5;
  options.shuffle = false;
  options.class_weights = {1.0, 4.0};  // class 2 and beyond: 1
  const std::vector<EpochRecord> history = trainer.fit(data, &data, options);
  double fit_loss = 0, eval_loss = 0, hits = 0, weighted_hits = 0, fit_weights = 0, eval_weights = 0;
  for (size_t i = 0; i < 5; ++i) {
    const double p = sigmoid(rows.x0[i] + rows.x1[i]), y = rows.ya[i];
    const double bce = -(y * std::log(p) + (1 - y) * std::log(1 - p));
    const double hit = (p > 0.5) == (y > 0.5) ? 1.0 : 0.0;
    const double class_weight = y > 0.5 ? 4.0 : 1.0;
    fit_loss += rows.w[i] * class_weight * bce;
    eval_loss += rows.w[i] * bce;
    hits += hit;
    weighted_hits += rows.w[i] * class_weight * hit;
    fit_weights += rows.w[i] * class_weight;
    eval_weights += rows.w[i];
    (void)eval_weights;
  }
  const Logs& logs = history[0].logs;
  CHECK(log_names(logs) == std::vector<std::string>{"loss", "accuracy", "weighted_accuracy", "val_loss",
                                                    "val_accuracy", "val_weighted_accuracy"});
  CHECK(*find_log(logs, "loss") == doctest::Approx(fit_loss / 5).epsilon(1e-6));
  CHECK(*find_log(logs, "accuracy") == doctest::Approx(hits / 5).epsilon(1e-6));
  CHECK(*find_log(logs, "weighted_accuracy") == doctest::Approx(weighted_hits / fit_weights).epsilon(1e-6));
  CHECK(*find_log(logs, "val_loss") == doctest::Approx(eval_loss / 5).epsilon(1e-6));
}

TEST_CASE("per-output forms: a list of metric lists, one loss for all outputs") {
  Model model(parse_model_spec(two_outputs("{loss: mse, metrics: [[mae], [mse, mae]]}"), "t.yaml"));
  model.initialize(1);
  Trainer trainer(model, model.spec().compile, 1);
  CHECK(trainer.log_names(false) ==
        std::vector<std::string>{"loss", "a_loss", "b_loss", "a_mae", "b_mse", "b_mae"});
}

TEST_CASE("per-output and per-class arguments that do not fit the model are errors at their value") {
  CHECK(first_config_error(two_outputs("{loss: [mse]}")) ==
        "t.yaml:8:17: error: compile.loss lists 1 entries but the model has 2 outputs (a, b); give one per "
        "output, in order");
  CHECK(first_config_error(two_outputs("{loss: {a: mse, bb: mse}}")) ==
        "t.yaml:8:30: error: compile.loss: 'bb' is not an output of the model; did you mean 'b'? (outputs: "
        "a, b)");
  CHECK(first_config_error(two_outputs("{loss: {a: mse}}")) ==
        "t.yaml:8:17: error: compile.loss gives no loss for output 'b'; give it one (with loss_weights 0 it "
        "does not count)");
  CHECK(first_config_error(two_outputs("{loss: mse, loss_weights: {a: -1}}")) ==
        "t.yaml:8:40: error: argument 'loss_weights': must be >= 0, got -1");
  CHECK(first_config_error(two_outputs("{loss: mse, metrics: {a: [maee]}}"))
            .find("unknown value 'maee'; did you mean 'mae'?") != std::string::npos);
  CHECK(first_config_error(two_outputs("{loss: mse}\nfit: {class_weight: {0: 1, 1: 2}}")) ==
        "t.yaml:9:21: error: fit.class_weight: is for a model with one output (this one has 2); weigh "
        "samples with the data's sample_weight instead");
  const std::string one =
      "name: one\ninputs: {x: {shape: [2]}}\nlayers:\n  - {name: p, type: Dense, units: 3, activation: "
      "softmax}\ncompile: {loss: sparse_categorical_crossentropy}\nfit: {class_weight: ";
  CHECK(first_config_error(one + "{0: 1, 3: 2}}") ==
        "t.yaml:6:31: error: fit.class_weight: class 3 is not a class of output 'p' (classes 0 to 2)");
  CHECK(first_config_error(one + "{zero: 1}}") ==
        "t.yaml:6:22: error: argument 'class_weight': 'zero' is not a class index (0, 1, 2...)");
  CHECK(first_config_error(one + "2}") ==
        "t.yaml:6:21: error: argument 'class_weight': expected a map from class index to weight "
        "(class_weight: {0: 1.0, 1: 5.0}), got '2'");
  CHECK(first_config_error(one + "[1, 2, 0.5]}") == "(accepted)");
}

TEST_CASE("sample_weight comes from a data column, one non-negative weight per sample") {
  TempDir dir;
  const std::string csv = dir.write("d.csv", "x0,x1,y,w\n0.5,0.25,1,2\n-1,0.5,0,0.5\n0.25,-0.75,1,1\n");
  auto config = [&](const std::string& weight_column) {
    return dir.write("c.yaml",
                     "name: w\nseed: 1\ninputs: {x: {shape: [2]}}\nlayers:\n"
                     "  - {name: y, type: Dense, units: 1, activation: sigmoid}\n"
                     "compile: {optimizer: sgd, loss: bce}\n"
                     "data: {type: csv, columns: {x: [x0, x1], y: [y], sample_weight: [" +
                         weight_column + "]}, train: " + csv + "}\nfit: {epochs: 1, batch_size: 3}\n");
  };
  const TrainOutcome outcome = run_train(RunOptions{config("w"), {}, "", dir.path("w.json")}, nullptr);
  CHECK(outcome.history.size() == 1);
  const std::string negative = dir.write("n.csv", "x0,x1,y,w\n0.5,0.25,1,2\n-1,0.5,0,-0.5\n");
  const std::string text = slurp(config("w"));
  const std::string bad = dir.write("bad.yaml", text.substr(0, text.find("train: ")) + "train: " + negative +
                                                    "}\nfit: {epochs: 1, batch_size: 3}\n");
  try {
    run_train(RunOptions{bad, {}, "", dir.path("b.json")}, nullptr);
    FAIL("a negative sample weight was accepted");
  } catch (const DataError& e) {
    INFO(std::string(e.what()));
    CHECK(std::string(e.what()).find("n.csv:3: error: sample_weight -0.500000 is negative") !=
          std::string::npos);
  }
  CHECK_THROWS_AS(run_train(RunOptions{config("x0, x1"), {}, "", dir.path("c.json")}, nullptr), DataError);
}
