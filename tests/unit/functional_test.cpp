// Activations, initializers, regularizers and constraints against their Keras 2 definitions.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "layers/functional/activations.hpp"
#include "layers/functional/constraints.hpp"
#include "layers/functional/initializers.hpp"
#include "layers/functional/regularizers.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

double apply(const std::string& activation, double x, int keras_version = 2) {
  const Activation a =
      Activation::from_value(parse_function_value(activation, activation_family()), keras_version);
  Real in = static_cast<Real>(x), out = 0;
  a.forward(&in, &out, 1, 1);
  return out;
}

std::vector<Real> init(const std::string& yaml, const Shape& shape, uint64_t seed = 5) {
  std::vector<Real> values(static_cast<size_t>(shape_size(shape)));
  Random rng(seed);
  initialize(parse_function_value(yaml, initializer_family()), shape, values.data(), rng);
  return values;
}

double max_abs(const std::vector<Real>& v) {
  double m = 0;
  for (Real x : v) m = std::max(m, std::abs(static_cast<double>(x)));
  return m;
}

double variance(const std::vector<Real>& v) {
  double mean = 0, sq = 0;
  for (Real x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (Real x : v) sq += (x - mean) * (x - mean);
  return sq / static_cast<double>(v.size());
}

}  // namespace

TEST_CASE("activations: Keras 2 values") {
  CHECK(apply("relu", -1.5) == 0.0);
  CHECK(apply("relu", 2.5) == doctest::Approx(2.5));
  CHECK(apply("{type: relu, alpha: 0.1}", -2.0) == doctest::Approx(-0.2));
  CHECK(apply("{type: relu, max_value: 6}", 7.0) == doctest::Approx(6.0));
  CHECK(apply("{type: relu, threshold: 1}", 0.5) == doctest::Approx(0.0));
  CHECK(apply("{type: relu, threshold: 1}", 2.0) == doctest::Approx(2.0));
  CHECK(apply("hard_sigmoid", 1.0) == doctest::Approx(0.7));
  CHECK(apply("hard_sigmoid", 3.0) == doctest::Approx(1.0));
  CHECK(apply("hard_sigmoid", -3.0) == doctest::Approx(0.0));
  CHECK(apply("hard_sigmoid", 1.0, 1) == doctest::Approx(0.7));  // Keras 1 and 2 share the formula
  CHECK(apply("selu", 1.0) == doctest::Approx(1.0507009873554805));
  CHECK(apply("selu", -1.0) ==
        doctest::Approx(1.0507009873554805 * 1.6732632423543772 * (std::exp(-1.0) - 1)));
  CHECK(apply("elu", -1.0) == doctest::Approx(std::exp(-1.0) - 1));
  CHECK(apply("gelu", 1.0) == doctest::Approx(0.8413447460685429));
  CHECK(apply("{type: gelu, approximate: true}", 1.0) == doctest::Approx(0.8411919906082768));
  CHECK(apply("swish", 1.0) == doctest::Approx(0.7310585786300049));
  CHECK(apply("softplus", 0.0) == doctest::Approx(std::log(2.0)));
  CHECK(apply("softplus", 100.0) == doctest::Approx(100.0));
  CHECK(apply("softsign", 1.0) == doctest::Approx(0.5));
  CHECK(apply("exponential", 1.0) == doctest::Approx(std::exp(1.0)));
  CHECK(apply("sigmoid", -100.0) == doctest::Approx(0.0));
  CHECK(apply("tanh", 0.5) == doctest::Approx(std::tanh(0.5)));
  CHECK(apply("linear", -3.25) == doctest::Approx(-3.25));
}

TEST_CASE("activations: Keras 3's hard_sigmoid is relu6(x + 3) / 6") {
  for (const double x : {-4.0, -3.0, -1.5, 0.0, 1.0, 2.9, 3.0, 7.0})
    CHECK(apply("hard_sigmoid", x, 3) == doctest::Approx(std::min(std::max(x + 3, 0.0), 6.0) / 6));
  // Where the two formulas differ most: 0.7 under Keras 2, 4/6 under Keras 3.
  CHECK(apply("hard_sigmoid", 1.0, 3) != doctest::Approx(apply("hard_sigmoid", 1.0, 2)));
}

TEST_CASE("activations: softmax is stable for large logits and sums to one per row") {
  const Activation softmax = Activation::from_value(parse_function_value("softmax", activation_family()), 2);
  Real z[6] = {1000, 1001, 1002, -5, 0, 5}, y[6];
  softmax.forward(z, y, 2, 3);
  CHECK(y[0] + y[1] + y[2] == doctest::Approx(1.0));
  CHECK(y[3] + y[4] + y[5] == doctest::Approx(1.0));
  CHECK(y[2] == doctest::Approx(std::exp(2.0) / (1 + std::exp(1.0) + std::exp(2.0))));
}

TEST_CASE("initializers: Keras definitions of fans, limits and stddevs") {
  double fan_in, fan_out;
  compute_fans({3, 5, 7, 11}, fan_in, fan_out);
  CHECK(fan_in == 7 * 15);
  CHECK(fan_out == 11 * 15);

  const auto glorot = init("glorot_uniform", {200, 300});
  const double limit = std::sqrt(6.0 / 500.0);
  CHECK_LE(max_abs(glorot), limit);
  CHECK(variance(glorot) == doctest::Approx(2.0 / 500.0).epsilon(0.05));

  // Truncated normal: stddev corrected by 0.8796 so the variance is scale / fan, values within two stddevs.
  const auto he = init("he_normal", {500, 400});
  const double stddev = std::sqrt(2.0 / 500.0) / 0.87962566103423978;
  CHECK_LE(max_abs(he), 2.0 * stddev + 1e-6);
  CHECK(variance(he) == doctest::Approx(2.0 / 500.0).epsilon(0.05));

  CHECK(variance(init("lecun_normal", {400, 300})) == doctest::Approx(1.0 / 400.0).epsilon(0.05));
  CHECK(variance(init("{type: variance_scaling, scale: 3, mode: fan_out, distribution: uniform}",
                      {300, 200})) == doctest::Approx(3.0 / 200.0).epsilon(0.05));
  CHECK(variance(init("{type: variance_scaling, distribution: untruncated_normal}", {300, 200})) ==
        doctest::Approx(1.0 / 300.0).epsilon(0.05));
  const auto uniform = init("{type: random_uniform, minval: -0.1, maxval: 0.2}", {1000});
  CHECK(*std::min_element(uniform.begin(), uniform.end()) >= -0.1f);
  CHECK(*std::max_element(uniform.begin(), uniform.end()) < 0.2f);
  CHECK_LE(max_abs(init("{type: truncated_normal, stddev: 0.5}", {1000})), 1.0 + 1e-6);
  for (Real v : init("{type: constant, value: 0.25}", {7})) CHECK(v == doctest::Approx(0.25));
  CHECK(init("glorot_uniform", {4, 4}, 9) == init("glorot_uniform", {4, 4}, 9));
  CHECK(init("glorot_uniform", {4, 4}, 9) != init("glorot_uniform", {4, 4}, 10));
}

TEST_CASE("initializers: orthogonal gives orthonormal columns or rows, identity is the identity") {
  for (Shape shape : {Shape{50, 30}, Shape{30, 50}}) {
    const auto values = init("{type: orthogonal, gain: 2}", shape);
    Eigen::MatrixXd m(shape[0], shape[1]);
    for (Index r = 0; r < shape[0]; ++r)
      for (Index c = 0; c < shape[1]; ++c) m(r, c) = values[r * shape[1] + c] / 2.0;
    const Eigen::MatrixXd gram =
        shape[0] > shape[1] ? Eigen::MatrixXd(m.transpose() * m) : Eigen::MatrixXd(m * m.transpose());
    CHECK((gram - Eigen::MatrixXd::Identity(gram.rows(), gram.cols())).cwiseAbs().maxCoeff() < 1e-5);
  }
  const auto eye = init("{type: identity, gain: 3}", {2, 3});
  CHECK(eye == std::vector<Real>{3, 0, 0, 0, 3, 0});
  Random rng(1);
  Real out[8];
  CHECK_THROWS_AS(initialize(parse_function_value("identity", initializer_family()), {2, 2, 2}, out, rng),
                  ShapeError);
}

TEST_CASE("initializers: a block of rows gets exactly the values it has in the whole weight") {
  // A table split across processes initialises its own rows only (Embedding's shard: rows).
  const Shape shape{37, 5};
  for (const char* init : {"random_uniform", "random_normal", "truncated_normal", "glorot_uniform",
                           "he_normal", "orthogonal", "zeros"}) {
    CAPTURE(init);
    const Value value = parse_function_value(init, initializer_family());
    std::vector<Real> whole(37 * 5);
    Random rng(11);
    initialize(value, shape, whole.data(), rng);
    for (const auto& [first, rows] : {std::pair<Index, Index>{0, 13}, {13, 12}, {25, 12}, {36, 1}}) {
      std::vector<Real> block(static_cast<size_t>(rows * 5));
      Random block_rng(11);
      initialize_rows(value, shape, first, rows, block.data(), block_rng);
      CHECK(block == std::vector<Real>(whole.begin() + first * 5, whole.begin() + (first + rows) * 5));
    }
  }
}

TEST_CASE("regularizers: penalties and gradients as Keras adds them to the loss") {
  const Real w[3] = {1, -2, 0};
  const auto l1 = Regularizer::from_value(parse_function_value("l1", regularizer_family()));
  const auto l2 = Regularizer::from_value(parse_function_value("{type: l2, l2: 0.5}", regularizer_family()));
  const auto both =
      Regularizer::from_value(parse_function_value("{type: l1_l2, l1: 0.1, l2: 0.2}", regularizer_family()));
  CHECK(l1->penalty(w, 3) == doctest::Approx(0.03));
  CHECK(l2->penalty(w, 3) == doctest::Approx(2.5));
  CHECK(both->penalty(w, 3) == doctest::Approx(0.3 + 1.0));
  Real g[3] = {0, 0, 0};
  both->add_gradient(w, g, 3);
  CHECK(g[0] == doctest::Approx(0.1 + 0.4));
  CHECK(g[1] == doctest::Approx(-0.1 - 0.8));
  CHECK(g[2] == doctest::Approx(0.0));
  CHECK_FALSE(Regularizer::from_value(Value::none()).has_value());
}

TEST_CASE("constraints: max_norm, unit_norm, min_max_norm along axis 0, non_neg") {
  auto make = [](const std::string& yaml) {
    return *Constraint::from_value(parse_function_value(yaml, constraint_family()));
  };
  Real w[4] = {3, 0.3, 4, 0.4};  // kernel [2, 2]: column norms 5 and 0.5
  make("{type: max_norm, max_value: 2}").apply(w, {2, 2});
  CHECK(w[0] == doctest::Approx(1.2));
  CHECK(w[2] == doctest::Approx(1.6));
  CHECK(w[1] == doctest::Approx(0.3));  // under the cap: unchanged (up to Keras's epsilon)
  Real u[2] = {3, 4};
  make("unit_norm").apply(u, {2});
  CHECK(u[0] == doctest::Approx(0.6));
  Real m[2] = {0.3, 0.4};
  make("{type: min_max_norm, min_value: 1, max_value: 2, rate: 0.5}").apply(m, {2});
  CHECK(std::hypot(m[0], m[1]) == doctest::Approx(0.75));
  Real n[3] = {-1, 2, -0.5};
  make("non_neg").apply(n, {3});
  CHECK(n[0] == 0);
  CHECK(n[1] == 2);
  CHECK(n[2] == 0);
}
