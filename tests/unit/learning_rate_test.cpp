// Learning-rate schedules against their formulas written out here, an optimizer stepping through one, and
// the callbacks that set the rate between epochs (ReduceLROnPlateau, LearningRateScheduler), logged per
// epoch.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "interpreter/app/session.hpp"
#include "interpreter/core/errors.hpp"
#include "interpreter/train/learning_rate_schedules.hpp"
#include "interpreter/train/optimizers.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;
using std::numbers::pi;

namespace {

double rate(const std::string& schedule, int64_t step) {
  return LearningRateSchedule::create(parse_function_value(schedule, schedule_family()))->at(step);
}

}  // namespace

TEST_CASE("schedules: Keras's formulas at chosen steps") {
  const std::string exponential =
      "{type: exponential_decay, initial_learning_rate: 0.1, decay_steps: 10, "
      "decay_rate: 0.5";
  CHECK(rate(exponential + "}", 0) == doctest::Approx(0.1));
  CHECK(rate(exponential + "}", 15) == doctest::Approx(0.1 * std::pow(0.5, 1.5)));
  CHECK(rate(exponential + ", staircase: true}", 15) == doctest::Approx(0.05));
  const std::string inverse =
      "{type: InverseTimeDecay, initial_learning_rate: 0.1, decay_steps: 4, decay_rate: 2";
  CHECK(rate(inverse + "}", 6) == doctest::Approx(0.1 / (1 + 2 * 1.5)));
  CHECK(rate(inverse + ", staircase: true}", 6) == doctest::Approx(0.1 / 3));
  // Keras: values[0] while step <= boundaries[0], values[1] while step <= boundaries[1], then values[2].
  const std::string piecewise =
      "{type: piecewise_constant_decay, boundaries: [100, 200], values: [1.0, 0.5, 0.1]}";
  CHECK(rate(piecewise, 100) == 1.0);
  CHECK(rate(piecewise, 101) == 0.5);
  CHECK(rate(piecewise, 200) == 0.5);
  CHECK(rate(piecewise, 201) == doctest::Approx(0.1));
  const std::string polynomial =
      "{type: polynomial_decay, initial_learning_rate: 1.0, decay_steps: 10, "
      "end_learning_rate: 0.1, power: 2";
  CHECK(rate(polynomial + "}", 4) == doctest::Approx(0.9 * 0.36 + 0.1));
  CHECK(rate(polynomial + "}", 50) == doctest::Approx(0.1));
  // cycle: step 14 decays over 20 steps (the next multiple of 10).
  CHECK(rate(polynomial + ", cycle: true}", 14) == doctest::Approx(0.9 * 0.3 * 0.3 + 0.1));
  const std::string cosine = "{type: cosine_decay, initial_learning_rate: 0.2, decay_steps: 100, alpha: 0.1";
  CHECK(rate(cosine + "}", 25) == doctest::Approx(0.2 * (0.9 * 0.5 * (1 + std::cos(pi / 4)) + 0.1)));
  CHECK(rate(cosine + "}", 500) == doctest::Approx(0.02));
  // Warmup from 0.2 to 1.0 over 10 steps, then the cosine from 1.0.
  const std::string warm = cosine + ", warmup_target: 1.0, warmup_steps: 10}";
  CHECK(rate(warm, 5) == doctest::Approx(0.6));
  CHECK(rate(warm, 35) == doctest::Approx(0.9 * 0.5 * (1 + std::cos(pi / 4)) + 0.1));
  // Restarts: periods of 10, 20, 40 steps; step 15 is a quarter into the second, whose peak is m_mul lower.
  const std::string restarts =
      "{type: cosine_decay_restarts, initial_learning_rate: 1.0, first_decay_steps: 10, "
      "m_mul: 0.5";
  CHECK(rate(restarts + "}", 15) == doctest::Approx(0.5 * 0.5 * (1 + std::cos(pi * 0.25))));
  CHECK(rate(restarts + ", t_mul: 1}", 15) == doctest::Approx(0.5 * 0.5 * (1 + std::cos(pi * 0.5))));
  CHECK_THROWS_WITH_AS(rate("{type: piecewise_constant_decay, boundaries: [1, 2], values: [1.0, 0.5]}", 0),
                       doctest::Contains("needs one more value than 'boundaries' has (3), got 2"),
                       ConfigError);
}

TEST_CASE("an optimizer's learning_rate may be a schedule, read at the steps taken before each step") {
  auto opt = Optimizer::create(parse_function_value(
      "{type: sgd, learning_rate: {type: exponential_decay, initial_learning_rate: 0.1, decay_steps: 1, "
      "decay_rate: 0.5}}",
      optimizer_family()));
  Parameter p;
  p.shape = {1};
  p.value.resize(p.shape);
  p.grad.resize(p.shape);
  p.grad.data[0] = 1;
  const std::vector<ParamSlot> slots{{"w", &p}};
  for (int t = 0; t < 3; ++t) opt->apply(slots);
  CHECK(p.value.data[0] == doctest::Approx(-(0.1 + 0.05 + 0.025)));
  CHECK(opt->learning_rate() == doctest::Approx(0.025));
  CHECK(opt->rate_varies());
  CHECK_THROWS_AS(opt->set_learning_rate(1.0), TrainingError);
  CHECK_THROWS_WITH_AS(
      Optimizer::create(parse_function_value(
          "{type: sgd, decay: 0.1, learning_rate: {type: exponential_decay, initial_learning_rate: 0.1, "
          "decay_steps: 1, decay_rate: 0.5}}",
          optimizer_family())),
      doctest::Contains("cannot both be set"), ConfigError);
}

namespace {

// y = 1 when x0 > x1, a validation split, sgd at 0.5.
RunOptions lr_run(const TempDir& dir, const std::string& optimizer, const std::string& callbacks,
                  int epochs = 6) {
  std::string data = "x0,x1,y\n";
  Random rng(3);
  for (int r = 0; r < 60; ++r) {
    const double a = rng.uniform(-1, 1), b = rng.uniform(-1, 1);
    data += std::to_string(a) + "," + std::to_string(b) + "," + (a > b ? "1" : "0") + "\n";
  }
  const std::string config =
      dir.write("c.yaml",
                "name: rates\nseed: 1\ninputs: {x: {shape: [2]}}\nlayers:\n"
                "  - {name: out, type: Dense, units: 1, activation: sigmoid}\n"
                "compile: {optimizer: " +
                    optimizer +
                    ", loss: bce}\n"
                    "data: {type: csv, columns: {x: [x0, x1], y: [y]}, train: " +
                    dir.write("d.csv", data) +
                    "}\n"
                    "fit: {epochs: " +
                    std::to_string(epochs) +
                    ", batch_size: 60, validation_split: 0.5, callbacks: " + callbacks + "}\n");
  return RunOptions{config, {}, "", dir.path("w.json")};
}

std::vector<double> logged_rates(const TrainOutcome& outcome) {
  std::vector<double> out;
  for (const auto& e : outcome.history) out.push_back(find_log(e.logs, "learning_rate").value_or(-1));
  return out;
}

}  // namespace

TEST_CASE("learning_rate_scheduler sets the rate at the listed epochs, the history logs it per epoch") {
  TempDir dir;
  const TrainOutcome outcome =
      run_train(lr_run(dir, "{type: sgd, learning_rate: 0.5}",
                       "[{type: LearningRateScheduler, epochs: [2, 4], learning_rates: [0.1, 0.01]}]"),
                nullptr);
  const std::vector<double> rates = logged_rates(outcome);
  REQUIRE(rates.size() == 6);
  CHECK(rates[0] == doctest::Approx(0.5));
  CHECK(rates[1] == doctest::Approx(0.5));
  CHECK(rates[2] == doctest::Approx(0.1));
  CHECK(rates[5] == doctest::Approx(0.01));
  CHECK(slurp(outcome.history_path).rfind("epoch,learning_rate,loss,val_loss\n", 0) == 0);
}

TEST_CASE("reduce_lr_on_plateau multiplies the rate by factor after patience epochs without improvement") {
  TempDir dir;
  // min_delta 10 makes every epoch after the first "no improvement". Epoch 0 sets the best; epochs 1 and 2
  // wait 1 and 2: reduced after epoch 2. Cooldown 2 (Keras: the counter falls at each epoch end and the
  // waiting restarts once it is 0): epoch 3 is skipped, epochs 4 and 5 wait 1 and 2: reduced after epoch 5,
  // to min_lr rather than 0.125.
  const TrainOutcome outcome = run_train(
      lr_run(dir, "{type: sgd, learning_rate: 0.5}",
             "[{type: reduce_lr_on_plateau, monitor: val_loss, factor: 0.5, patience: 2, min_delta: 10, "
             "cooldown: 2, min_lr: 0.2}]",
             8),
      nullptr);
  const std::vector<double> rates = logged_rates(outcome);
  CHECK(rates == std::vector<double>{0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2});
  // Without a plain rate to set, a schedule is an error at the start of training.
  TempDir other;
  CHECK_THROWS_AS(
      run_train(lr_run(other,
                       "{type: sgd, learning_rate: {type: exponential_decay, initial_learning_rate: "
                       "0.1, decay_steps: 10, decay_rate: 0.9}}",
                       "[{type: learning_rate_scheduler, epochs: [0], learning_rates: [0.1]}]"),
                nullptr),
      TrainingError);
}
