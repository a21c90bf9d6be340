#include "layers/functional/activations.hpp"

#include <algorithm>
#include <cmath>

namespace yamlnet {

namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

template <typename T>
T stable_sigmoid(T z) {
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

}  // namespace

const FunctionFamily& activation_family() {
  static const FunctionFamily family{
      "activation",
      {
          {"linear", "f(x) = x", {}, {"None"}},
          {"relu",
           "max(x, 0); with alpha, max_value, threshold as keras.activations.relu",
           {float_arg("alpha", 0.0, "slope below the threshold"),
            float_arg("max_value", std::nullopt, "upper cap (none by default)"),
            float_arg("threshold", 0.0, "values below it are damped by alpha")}},
          {"sigmoid", "1 / (1 + exp(-x))", {}},
          {"tanh", "hyperbolic tangent", {}},
          {"softmax",
           "exp(x) / sum(exp(x)) over the last axis",
           {int_arg("axis", -1, "only the last axis (-1) is supported", -1)}},
          {"elu",
           "x if x > 0 else alpha * (exp(x) - 1)",
           {float_arg("alpha", 1.0, "scale of the negative part")}},
          {"selu", "scale * elu(x, alpha) with Klambauer et al.'s constants", {}},
          {"softplus", "log(exp(x) + 1)", {}},
          {"softsign", "x / (|x| + 1)", {}},
          {"hard_sigmoid",
           "clip(0.2 x + 0.5, 0, 1) (Keras 1 and 2); relu6(x + 3) / 6 with keras_version: 3",
           {}},
          {"exponential", "exp(x)", {}},
          {"swish", "x * sigmoid(x)", {}, {"silu"}},
          {"gelu",
           "x * Phi(x); tanh approximation when approximate is true",
           {bool_arg("approximate", false, "use the tanh approximation")}},
      }};
  return family;
}

Activation Activation::from_value(const Value& value, int keras_version) {
  Activation a;
  if (value.is_none()) return a;
  static const std::pair<const char*, ActivationKind> kinds[] = {
      {"linear", ActivationKind::Linear},
      {"relu", ActivationKind::Relu},
      {"sigmoid", ActivationKind::Sigmoid},
      {"tanh", ActivationKind::Tanh},
      {"softmax", ActivationKind::Softmax},
      {"elu", ActivationKind::Elu},
      {"selu", ActivationKind::Selu},
      {"softplus", ActivationKind::Softplus},
      {"softsign", ActivationKind::Softsign},
      {"hard_sigmoid", ActivationKind::HardSigmoid},
      {"exponential", ActivationKind::Exponential},
      {"swish", ActivationKind::Swish},
      {"gelu", ActivationKind::Gelu}};
  for (const auto& [name, kind] : kinds)
    if (value.s == name) {
      a.kind_ = kind;
      a.name_ = name;
    }
  if (a.kind_ == ActivationKind::HardSigmoid && keras_version >= 3)
    a.kind_ = ActivationKind::HardSigmoidKeras3;
  if (a.kind_ == ActivationKind::Relu) {
    a.alpha_ = value.number_arg("alpha");
    const Value* cap = value.arg("max_value");
    a.has_max_ = cap && !cap->is_none();
    if (a.has_max_) a.max_value_ = cap->as_double();
    a.threshold_ = value.number_arg("threshold");
  } else if (a.kind_ == ActivationKind::Elu) {
    a.alpha_ = value.number_arg("alpha");
  } else if (a.kind_ == ActivationKind::Gelu) {
    a.approximate_ = value.arg("approximate")->b;
  }
  return a;
}

void Activation::forward(const Real* z, Real* y, Index rows, Index cols) const {
  const Index n = rows * cols;
  ConstArrayMap zin(z, n);
  ArrayMap yout(y, n);
  switch (kind_) {
    case ActivationKind::Linear:
      if (y != z) yout = zin;
      return;
    case ActivationKind::Relu:
      if (alpha_ == 0.0 && !has_max_ && threshold_ == 0.0) {
        yout = zin.max(Real(0));
        return;
      }
      // keras.activations.relu: the part above the threshold (capped), minus alpha times the part below it.
      for (Index i = 0; i < n; ++i) {
        const double v = z[i];
        double positive = threshold_ != 0.0 ? (v > threshold_ ? v : 0.0) : std::max(v, 0.0);
        if (has_max_) positive = std::clamp(positive, 0.0, max_value_);
        const double negative = alpha_ * std::max(threshold_ - v, 0.0);
        y[i] = static_cast<Real>(positive - negative);
      }
      return;
    case ActivationKind::Sigmoid:
      // Eigen's vectorised logistic (float: within a few ulp of 1 / (1 + exp(-x)), saturating cleanly);
      // the scalar loop with std::exp was a fifth of an LSTM's training step.
      yout = zin.logistic();
      return;
    case ActivationKind::Tanh:
      yout = zin.tanh();
      return;
    case ActivationKind::Softmax:
      for (Index r = 0; r < rows; ++r) {
        const Real* zr = z + r * cols;
        Real* yr = y + r * cols;
        Real top = zr[0];
        for (Index c = 1; c < cols; ++c) top = std::max(top, zr[c]);
        Real sum = 0;
        for (Index c = 0; c < cols; ++c) {
          yr[c] = std::exp(zr[c] - top);
          sum += yr[c];
        }
        const Real inv = Real(1) / sum;
        for (Index c = 0; c < cols; ++c) yr[c] *= inv;
      }
      return;
    case ActivationKind::Elu:
      for (Index i = 0; i < n; ++i) y[i] = z[i] > 0 ? z[i] : static_cast<Real>(alpha_ * std::expm1(z[i]));
      return;
    case ActivationKind::Selu:
      for (Index i = 0; i < n; ++i)
        y[i] = static_cast<Real>(kSeluScale * (z[i] > 0 ? z[i] : kSeluAlpha * std::expm1(z[i])));
      return;
    case ActivationKind::Softplus:
      for (Index i = 0; i < n; ++i) y[i] = std::log1p(std::exp(-std::abs(z[i]))) + std::max(z[i], Real(0));
      return;
    case ActivationKind::Softsign:
      for (Index i = 0; i < n; ++i) y[i] = z[i] / (std::abs(z[i]) + Real(1));
      return;
    case ActivationKind::HardSigmoid:
      yout = (zin * Real(0.2) + Real(0.5)).max(Real(0)).min(Real(1));
      return;
    case ActivationKind::HardSigmoidKeras3:
      yout = (zin + Real(3)).max(Real(0)).min(Real(6)) / Real(6);
      return;
    case ActivationKind::Exponential:
      yout = zin.exp();
      return;
    case ActivationKind::Swish:
      for (Index i = 0; i < n; ++i) y[i] = z[i] * stable_sigmoid(z[i]);
      return;
    case ActivationKind::Gelu:
      for (Index i = 0; i < n; ++i) {
        const double v = z[i];
        if (approximate_) {
          const double inner = std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v);
          y[i] = static_cast<Real>(0.5 * v * (1.0 + std::tanh(inner)));
        } else {
          y[i] = static_cast<Real>(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
        }
      }
      return;
  }
}

void Activation::backward(const Real* z, const Real* y, const Real* dy, Real* dz, Index rows,
                          Index cols) const {
  const Index n = rows * cols;
  switch (kind_) {
    case ActivationKind::Linear:
      if (dz != dy) std::copy(dy, dy + n, dz);
      return;
    case ActivationKind::Relu:
      if (alpha_ == 0.0 && !has_max_ && threshold_ == 0.0) {
        ArrayMap(dz, n) = (ConstArrayMap(z, n) > Real(0)).select(ConstArrayMap(dy, n), Real(0));
        return;
      }
      for (Index i = 0; i < n; ++i) {
        const double v = z[i];
        const bool above = v > threshold_;
        const bool capped = has_max_ && v >= max_value_;
        double slope = above && !capped ? 1.0 : 0.0;
        if (v < threshold_) slope += alpha_;
        dz[i] = static_cast<Real>(slope) * dy[i];
      }
      return;
    case ActivationKind::Sigmoid:
      ArrayMap(dz, n) = ConstArrayMap(dy, n) * ConstArrayMap(y, n) * (Real(1) - ConstArrayMap(y, n));
      return;
    case ActivationKind::Tanh:
      ArrayMap(dz, n) = ConstArrayMap(dy, n) * (Real(1) - ConstArrayMap(y, n).square());
      return;
    case ActivationKind::Softmax:
      for (Index r = 0; r < rows; ++r) {
        const Real* yr = y + r * cols;
        const Real* dyr = dy + r * cols;
        Real* dzr = dz + r * cols;
        Real dot = 0;
        for (Index c = 0; c < cols; ++c) dot += dyr[c] * yr[c];
        for (Index c = 0; c < cols; ++c) dzr[c] = yr[c] * (dyr[c] - dot);
      }
      return;
    case ActivationKind::Elu:
      for (Index i = 0; i < n; ++i) dz[i] = dy[i] * (z[i] > 0 ? Real(1) : static_cast<Real>(y[i] + alpha_));
      return;
    case ActivationKind::Selu:
      for (Index i = 0; i < n; ++i)
        dz[i] = dy[i] * static_cast<Real>(kSeluScale * (z[i] > 0 ? 1.0 : kSeluAlpha * std::exp(z[i])));
      return;
    case ActivationKind::Softplus:
      for (Index i = 0; i < n; ++i) dz[i] = dy[i] * stable_sigmoid(z[i]);
      return;
    case ActivationKind::Softsign:
      for (Index i = 0; i < n; ++i) {
        const Real d = std::abs(z[i]) + Real(1);
        dz[i] = dy[i] / (d * d);
      }
      return;
    case ActivationKind::HardSigmoid:
      for (Index i = 0; i < n; ++i)
        dz[i] = (z[i] > Real(-2.5) && z[i] < Real(2.5)) ? dy[i] * Real(0.2) : Real(0);
      return;
    case ActivationKind::HardSigmoidKeras3:
      for (Index i = 0; i < n; ++i) dz[i] = (z[i] > Real(-3) && z[i] < Real(3)) ? dy[i] / Real(6) : Real(0);
      return;
    case ActivationKind::Exponential:
      for (Index i = 0; i < n; ++i) dz[i] = dy[i] * y[i];
      return;
    case ActivationKind::Swish:
      for (Index i = 0; i < n; ++i) {
        const Real s = stable_sigmoid(z[i]);
        dz[i] = dy[i] * (s + z[i] * s * (Real(1) - s));
      }
      return;
    case ActivationKind::Gelu:
      for (Index i = 0; i < n; ++i) {
        const double v = z[i];
        double d;
        if (approximate_) {
          const double k = std::sqrt(2.0 / M_PI);
          const double t = std::tanh(k * (v + 0.044715 * v * v * v));
          d = 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * v * v);
        } else {
          d = 0.5 * (1.0 + std::erf(v / std::sqrt(2.0))) + v * std::exp(-0.5 * v * v) / std::sqrt(2.0 * M_PI);
        }
        dz[i] = static_cast<Real>(d) * dy[i];
      }
      return;
  }
}

}  // namespace yamlnet
