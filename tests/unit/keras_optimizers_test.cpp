// Keras 3's adamw, adadelta, adamax, nadam, ftrl and lion, and what every optimizer takes (weight_decay,
// global_clipnorm, the moving average, Keras 1/2's decay), each against its update rule written out here in
// double precision, step by step.
#include <doctest/doctest.h>

#include <cmath>

#include "interpreter/core/errors.hpp"
#include "interpreter/train/optimizers.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

const std::vector<double> kGrads = {0.5, -0.2, 0.01, 0.3};

// The weights after one step per gradient in `grads`, from w0 (one value per weight; the same gradient each).
std::vector<double> steps(const std::string& optimizer, const std::vector<double>& grads,
                          const std::vector<double>& w0 = {1.0}) {
  auto opt = Optimizer::create(parse_function_value(optimizer, optimizer_family()));
  Parameter p;
  p.name = std::string("w");
  p.shape = {static_cast<Index>(w0.size())};
  p.value.resize(p.shape);
  p.grad.resize(p.shape);
  for (size_t i = 0; i < w0.size(); ++i) p.value.data[i] = static_cast<Real>(w0[i]);
  const std::vector<ParamSlot> slots{{"layer/w", &p}};
  for (double g : grads) {
    std::fill(p.grad.data.begin(), p.grad.data.end(), static_cast<Real>(g));
    opt->apply(slots);
  }
  opt->finish(slots);
  return {p.value.data.begin(), p.value.data.end()};
}

double step1(const std::string& optimizer, const std::vector<double>& grads, double w0 = 1.0) {
  return steps(optimizer, grads, {w0})[0];
}

}  // namespace

TEST_CASE("adadelta, adamax, lion: Keras's rules over four steps") {
  {
    const double lr = 0.5, rho = 0.95, eps = 1e-7;
    double w = 1, acc_g = 0, acc_d = 0;
    for (double g : kGrads) {
      acc_g = rho * acc_g + (1 - rho) * g * g;
      const double delta = -std::sqrt(acc_d + eps) / std::sqrt(acc_g + eps) * g;
      acc_d = rho * acc_d + (1 - rho) * delta * delta;
      w += lr * delta;
    }
    CHECK(step1("{type: adadelta, learning_rate: 0.5}", kGrads) == doctest::Approx(w).epsilon(1e-6));
  }
  {
    const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    double w = 1, m = 0, u = 0;
    for (int t = 1; t <= 4; ++t) {
      const double g = kGrads[static_cast<size_t>(t - 1)];
      m += (g - m) * (1 - b1);
      u = std::max(b2 * u, std::abs(g));
      w -= lr * m / ((1 - std::pow(b1, t)) * (u + eps));
    }
    CHECK(step1("{type: adamax, learning_rate: 0.1}", kGrads) == doctest::Approx(w).epsilon(1e-6));
  }
  {
    const double lr = 0.1, b1 = 0.9, b2 = 0.99;
    double w = 1, m = 0;
    for (double g : kGrads) {
      const double c = b1 * m + (1 - b1) * g;
      w -= lr * (c > 0 ? 1 : (c < 0 ? -1 : 0));
      m = b2 * m + (1 - b2) * g;
    }
    CHECK(step1("{type: lion, learning_rate: 0.1}", kGrads) == doctest::Approx(w).epsilon(1e-6));
  }
}

TEST_CASE("nadam: the momentum schedule's running product, also after a resume") {
  const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  double w = 1, m = 0, v = 0, product = 1;
  for (int t = 1; t <= 4; ++t) {
    const double g = kGrads[static_cast<size_t>(t - 1)];
    const double u_t = b1 * (1 - 0.5 * std::pow(0.96, t)), u_next = b1 * (1 - 0.5 * std::pow(0.96, t + 1));
    product *= u_t;
    m += (g - m) * (1 - b1);
    v += (g * g - v) * (1 - b2);
    const double m_hat = u_next * m / (1 - product * u_next) + (1 - u_t) * g / (1 - product);
    w -= lr * m_hat / (std::sqrt(v / (1 - std::pow(b2, t))) + eps);
  }
  CHECK(step1("{type: nadam, learning_rate: 0.1}", kGrads) == doctest::Approx(w).epsilon(1e-6));

  // A resumed optimizer (iterations restored, slots carried over) continues the same product.
  auto a = Optimizer::create(parse_function_value("{type: nadam, learning_rate: 0.1}", optimizer_family()));
  auto b = Optimizer::create(parse_function_value("{type: nadam, learning_rate: 0.1}", optimizer_family()));
  Parameter p;
  p.shape = {1};
  p.value.resize(p.shape);
  p.grad.resize(p.shape);
  p.value.data[0] = 1;
  const std::vector<ParamSlot> slots{{"layer/w", &p}};
  for (int t = 0; t < 2; ++t) {
    p.grad.data[0] = static_cast<Real>(kGrads[static_cast<size_t>(t)]);
    a->apply(slots);
  }
  b->slots() = a->slots();
  b->set_iterations(a->iterations());
  for (int t = 2; t < 4; ++t) {
    p.grad.data[0] = static_cast<Real>(kGrads[static_cast<size_t>(t)]);
    b->apply(slots);
  }
  CHECK(p.value.data[0] == doctest::Approx(w).epsilon(1e-6));
}

TEST_CASE("ftrl: the closed-form weight, l1 zeroing it, l2 and shrinkage") {
  for (const std::string& extra : {std::string(""), std::string(", l1_regularization_strength: 0.05"),
                                   std::string(", l2_regularization_strength: 0.1, beta: 0.2"),
                                   std::string(", l2_shrinkage_regularization_strength: 0.3")}) {
    const double lr = 0.1, power = -0.5;
    const double l1 = extra.find("l1_") != std::string::npos ? 0.05 : 0.0;
    const double l2 = extra.find("l2_reg") != std::string::npos ? 0.1 + 0.2 / (2 * lr) : 0.0;
    const double shrink = extra.find("shrinkage") != std::string::npos ? 0.3 : 0.0;
    double w = 1, n = 0.1, z = 0;
    for (double g : kGrads) {
      const double next = n + g * g;
      z += g + 2 * shrink * w - (std::pow(next, -power) - std::pow(n, -power)) / lr * w;
      const double quadratic = std::pow(next, -power) / lr + 2 * l2;
      w = std::abs(z) > l1 ? (std::clamp(z, -l1, l1) - z) / quadratic : 0.0;
      n = next;
    }
    CAPTURE(extra);
    CHECK(step1("{type: ftrl, learning_rate: 0.1" + extra + "}", kGrads) == doctest::Approx(w).epsilon(1e-6));
  }
  // l1 larger than every |z|: the weight is exactly 0.
  CHECK(step1("{type: ftrl, learning_rate: 0.1, l1_regularization_strength: 100}", kGrads) == 0.0);
}

TEST_CASE("weight_decay (adamw's default 0.004) shrinks the weights before the rule, decay slows the rate") {
  const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7, wd = 0.004;
  double w = 1, m = 0, v = 0;
  for (int t = 1; t <= 4; ++t) {
    const double g = kGrads[static_cast<size_t>(t - 1)];
    w -= w * wd * lr;
    m += (g - m) * (1 - b1);
    v += (g * g - v) * (1 - b2);
    w -= lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t)) * m / (std::sqrt(v) + eps);
  }
  CHECK(step1("{type: adamw, learning_rate: 0.1}", kGrads) == doctest::Approx(w).epsilon(1e-6));
  CHECK(step1("{type: adam, learning_rate: 0.1, weight_decay: 0.004}", kGrads) ==
        doctest::Approx(w).epsilon(1e-6));
  CHECK(step1("{type: adamw, learning_rate: 0.1, weight_decay: 0}", kGrads) ==
        doctest::Approx(step1("{type: adam, learning_rate: 0.1}", kGrads)).epsilon(1e-9));
  // sgd with Keras 1/2's decay: the rate of step t is lr / (1 + decay (t - 1)).
  double s = 1;
  for (int t = 1; t <= 4; ++t) s -= 0.1 / (1 + 0.5 * (t - 1)) * kGrads[static_cast<size_t>(t - 1)];
  CHECK(step1("{type: sgd, learning_rate: 0.1, decay: 0.5}", kGrads) == doctest::Approx(s).epsilon(1e-6));
  CHECK(step1("{type: sgd, lr: 0.1, decay: 0.5}", kGrads) == doctest::Approx(s).epsilon(1e-6));
}

TEST_CASE("global_clipnorm scales every gradient by one factor, one clipping setting at a time") {
  auto opt = Optimizer::create(
      parse_function_value("{type: sgd, learning_rate: 1, global_clipnorm: 2.5}", optimizer_family()));
  Parameter a, b;
  for (Parameter* p : {&a, &b}) {
    p->shape = {1};
    p->value.resize(p->shape);
    p->grad.resize(p->shape);
  }
  a.grad.data[0] = 3;  // joint norm 5: both halved
  b.grad.data[0] = 4;
  opt->apply({{"a", &a}, {"b", &b}});
  CHECK(a.value.data[0] == doctest::Approx(-1.5));
  CHECK(b.value.data[0] == doctest::Approx(-2.0));
  CHECK_THROWS_WITH_AS(
      Optimizer::create(parse_function_value("{type: sgd, clipnorm: 1, clipvalue: 1}", optimizer_family())),
      doctest::Contains("only one of clipnorm, clipvalue and global_clipnorm can be"), ConfigError);
}

TEST_CASE(
    "use_ema: the weights take the moving average at the end of fit, and every ema_overwrite_frequency") {
  // sgd lr 0.1: weights after each step, and the average (momentum 0 at the first step).
  const double mu = 0.9;
  double w = 1, average = 0;
  std::vector<double> weights;
  for (size_t t = 0; t < kGrads.size(); ++t) {
    w -= 0.1 * kGrads[t];
    average = t == 0 ? w : mu * average + (1 - mu) * w;
  }
  CHECK(step1("{type: sgd, learning_rate: 0.1, use_ema: true, ema_momentum: 0.9}", kGrads) ==
        doctest::Approx(average).epsilon(1e-6));
  // Overwritten every 2 steps: the weights restart from the average at steps 2 and 4.
  w = 1;
  average = 0;
  for (size_t t = 0; t < kGrads.size(); ++t) {
    w -= 0.1 * kGrads[t];
    average = t == 0 ? w : mu * average + (1 - mu) * w;
    if ((t + 1) % 2 == 0) w = average;
  }
  CHECK(step1("{type: sgd, learning_rate: 0.1, use_ema: true, ema_momentum: 0.9, ema_overwrite_frequency: 2}",
              kGrads) == doctest::Approx(w).epsilon(1e-6));
}
