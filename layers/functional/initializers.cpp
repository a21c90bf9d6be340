#include "layers/functional/initializers.hpp"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <vector>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace {

// Keras divides a truncated normal's stddev by the stddev of a unit normal truncated at +-2 so the
// variance comes out as requested.
constexpr double kTruncatedStddevCorrection = 0.87962566103423978;

ArgSpec seed_arg() {
  return int_arg("seed", std::nullopt, "accepted for Keras compatibility; the model seed is used");
}

double truncated_normal(Random& rng, double mean, double stddev) {
  // Redraw values beyond two standard deviations, as tf.random.truncated_normal does.
  for (;;) {
    const double x = rng.normal();
    if (std::abs(x) <= 2.0) return mean + stddev * x;
  }
}

void fill_variance_scaling(double scale, const std::string& mode, const std::string& distribution,
                           const Shape& shape, Real* out, Index n, Random& rng) {
  double fan_in, fan_out;
  compute_fans(shape, fan_in, fan_out);
  double fan = fan_in;
  if (mode == "fan_out") fan = fan_out;
  if (mode == "fan_avg") fan = (fan_in + fan_out) / 2.0;
  scale /= std::max(1.0, fan);
  if (distribution == "uniform") {
    const double limit = std::sqrt(3.0 * scale);
    for (Index i = 0; i < n; ++i) out[i] = static_cast<Real>(rng.uniform(-limit, limit));
  } else if (distribution == "untruncated_normal" || distribution == "normal") {
    const double stddev = std::sqrt(scale);
    for (Index i = 0; i < n; ++i) out[i] = static_cast<Real>(stddev * rng.normal());
  } else {
    const double stddev = std::sqrt(scale) / kTruncatedStddevCorrection;
    for (Index i = 0; i < n; ++i) out[i] = static_cast<Real>(truncated_normal(rng, 0.0, stddev));
  }
}

void fill_orthogonal(double gain, const Shape& shape, Real* out, Random& rng) {
  if (shape.size() < 2) throw ShapeError("the orthogonal initializer needs a tensor of rank 2 or more");
  const Index cols = shape.back();
  const Index rows = shape_size(shape) / cols;
  const Index tall = std::max(rows, cols), narrow = std::min(rows, cols);
  Eigen::MatrixXd a(tall, narrow);
  for (Index r = 0; r < tall; ++r)
    for (Index c = 0; c < narrow; ++c) a(r, c) = rng.normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(tall, narrow);
  // Make the decomposition unique (Keras multiplies by the signs of R's diagonal).
  for (Index c = 0; c < narrow; ++c)
    if (qr.matrixQR()(c, c) < 0) q.col(c) *= -1.0;
  if (rows < cols) q.transposeInPlace();
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < cols; ++c) out[r * cols + c] = static_cast<Real>(gain * q(r, c));
}

}  // namespace

void compute_fans(const Shape& shape, double& fan_in, double& fan_out) {
  if (shape.empty()) {
    fan_in = fan_out = 1;
  } else if (shape.size() == 1) {
    fan_in = fan_out = static_cast<double>(shape[0]);
  } else if (shape.size() == 2) {
    fan_in = static_cast<double>(shape[0]);
    fan_out = static_cast<double>(shape[1]);
  } else {
    double receptive = 1;
    for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= static_cast<double>(shape[i]);
    fan_in = static_cast<double>(shape[shape.size() - 2]) * receptive;
    fan_out = static_cast<double>(shape.back()) * receptive;
  }
}

const FunctionFamily& initializer_family() {
  static const std::vector<std::string> modes{"fan_in", "fan_out", "fan_avg"};
  static const std::vector<std::string> distributions{"truncated_normal", "untruncated_normal", "uniform",
                                                      "normal"};
  static const FunctionFamily family{
      "initializer",
      {
          {"zeros", "all zeros", {}, {"zero"}},
          {"ones", "all ones", {}, {"one"}},
          {"constant", "every value set to `value`", {float_arg("value", 0.0, "the value")}},
          {"random_normal",
           "normal(mean, stddev)",
           {float_arg("mean", 0.0, "mean"), float_arg("stddev", 0.05, "standard deviation", 0.0), seed_arg()},
           {"normal"}},
          {"random_uniform",
           "uniform(minval, maxval)",
           {float_arg("minval", -0.05, "lower bound"), float_arg("maxval", 0.05, "upper bound"), seed_arg()},
           {"uniform"}},
          {"truncated_normal",
           "normal(mean, stddev) redrawn beyond two stddevs",
           {float_arg("mean", 0.0, "mean"), float_arg("stddev", 0.05, "standard deviation", 0.0),
            seed_arg()}},
          {"variance_scaling",
           "Keras VarianceScaling",
           {float_arg("scale", 1.0, "scale", 0.0), enum_arg("mode", "fan_in", modes, "which fan to scale by"),
            enum_arg("distribution", "truncated_normal", distributions, "the distribution"), seed_arg()}},
          {"orthogonal",
           "random orthogonal matrix (QR of a normal matrix)",
           {float_arg("gain", 1.0, "multiplier"), seed_arg()}},
          {"identity", "gain * identity matrix (2-D only)", {float_arg("gain", 1.0, "multiplier")}},
          {"lecun_uniform", "variance_scaling(1, fan_in, uniform)", {seed_arg()}},
          {"lecun_normal", "variance_scaling(1, fan_in, truncated_normal)", {seed_arg()}},
          {"glorot_uniform", "variance_scaling(1, fan_avg, uniform)", {seed_arg()}},
          {"glorot_normal", "variance_scaling(1, fan_avg, truncated_normal)", {seed_arg()}},
          {"he_uniform", "variance_scaling(2, fan_in, uniform)", {seed_arg()}},
          {"he_normal", "variance_scaling(2, fan_in, truncated_normal)", {seed_arg()}},
      }};
  return family;
}

namespace {

// The first n values of what `init` draws for a weight of `shape` (an element-wise initializer draws each
// value in turn from one stream, so consecutive calls continue it).
void initialize_values(const Value& init, const Shape& shape, Real* out, Index n, Random& rng) {
  const std::string& type = init.s;
  if (type == "zeros") {
    std::fill(out, out + n, Real(0));
  } else if (type == "ones") {
    std::fill(out, out + n, Real(1));
  } else if (type == "constant") {
    std::fill(out, out + n, static_cast<Real>(init.number_arg("value")));
  } else if (type == "random_normal") {
    const double mean = init.number_arg("mean"), stddev = init.number_arg("stddev");
    for (Index i = 0; i < n; ++i) out[i] = static_cast<Real>(mean + stddev * rng.normal());
  } else if (type == "random_uniform") {
    const double lo = init.number_arg("minval"), hi = init.number_arg("maxval");
    for (Index i = 0; i < n; ++i) out[i] = static_cast<Real>(rng.uniform(lo, hi));
  } else if (type == "truncated_normal") {
    const double mean = init.number_arg("mean"), stddev = init.number_arg("stddev");
    for (Index i = 0; i < n; ++i) out[i] = static_cast<Real>(truncated_normal(rng, mean, stddev));
  } else if (type == "variance_scaling") {
    fill_variance_scaling(init.number_arg("scale"), init.arg("mode")->s, init.arg("distribution")->s, shape,
                          out, n, rng);
  } else if (type == "orthogonal") {
    fill_orthogonal(init.number_arg("gain"), shape, out, rng);
  } else if (type == "identity") {
    if (shape.size() != 2) throw ShapeError("the identity initializer needs a 2-D weight");
    const double gain = init.number_arg("gain");
    for (Index r = 0; r < shape[0]; ++r)
      for (Index c = 0; c < shape[1]; ++c) out[r * shape[1] + c] = static_cast<Real>(r == c ? gain : 0.0);
  } else {
    struct Preset {
      const char* name;
      double scale;
      const char* mode;
      const char* distribution;
    };
    static const Preset presets[] = {
        {"lecun_uniform", 1, "fan_in", "uniform"},   {"lecun_normal", 1, "fan_in", "truncated_normal"},
        {"glorot_uniform", 1, "fan_avg", "uniform"}, {"glorot_normal", 1, "fan_avg", "truncated_normal"},
        {"he_uniform", 2, "fan_in", "uniform"},      {"he_normal", 2, "fan_in", "truncated_normal"}};
    for (const auto& p : presets)
      if (type == p.name) return fill_variance_scaling(p.scale, p.mode, p.distribution, shape, out, n, rng);
    throw ShapeError("unknown initializer '" + type + "'");
  }
}

bool draws_whole_matrix(const Value& init) {
  return init.s == "orthogonal" || init.s == "identity";
}

}  // namespace

void initialize(const Value& init, const Shape& shape, Real* out, Random& rng) {
  initialize_values(init, shape, out, shape_size(shape), rng);
}

void initialize_rows(const Value& init, const Shape& shape, Index first_row, Index rows, Real* out,
                     Random& rng) {
  const Index width = shape_size(shape) / std::max<Index>(1, shape[0]);
  if (draws_whole_matrix(init)) {
    std::vector<Real> whole(static_cast<size_t>(shape_size(shape)));
    initialize_values(init, shape, whole.data(), shape_size(shape), rng);
    std::copy_n(whole.data() + first_row * width, rows * width, out);
    return;
  }
  // The rows before this block are drawn and dropped, a block at a time, so that each row gets the values it
  // would have in the whole table without the whole table in memory.
  constexpr Index kBlock = 1 << 16;
  std::vector<Real> dropped(static_cast<size_t>(std::min(first_row * width, kBlock)));
  for (Index left = first_row * width; left > 0;) {
    const Index count = std::min(left, kBlock);
    initialize_values(init, shape, dropped.data(), count, rng);
    left -= count;
  }
  initialize_values(init, shape, out, rows * width, rng);
}

}  // namespace yamlnet
