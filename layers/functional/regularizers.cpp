#include "layers/functional/regularizers.hpp"

#include <cmath>

namespace yamlnet {

const FunctionFamily& regularizer_family() {
  static const FunctionFamily family{
      "regularizer",
      {
          {"l1", "l1 * sum(|w|)", {float_arg("l1", 0.01, "the factor", 0.0)}},
          {"l2", "l2 * sum(w^2)", {float_arg("l2", 0.01, "the factor", 0.0)}},
          {"l1_l2",
           "l1 * sum(|w|) + l2 * sum(w^2)",
           {float_arg("l1", 0.01, "the l1 factor", 0.0), float_arg("l2", 0.01, "the l2 factor", 0.0)},
           {"l1l2"}},
      }};
  return family;
}

std::optional<Regularizer> Regularizer::from_value(const Value& value) {
  if (value.is_none()) return std::nullopt;
  Regularizer r;
  if (const Value* v = value.arg("l1")) r.l1 = v->as_double();
  if (const Value* v = value.arg("l2")) r.l2 = v->as_double();
  return r;
}

double Regularizer::penalty(const Real* w, Index n) const {
  double sum_abs = 0, sum_sq = 0;
  for (Index i = 0; i < n; ++i) {
    sum_abs += std::abs(static_cast<double>(w[i]));
    sum_sq += static_cast<double>(w[i]) * w[i];
  }
  return l1 * sum_abs + l2 * sum_sq;
}

void Regularizer::add_gradient(const Real* w, Real* grad, Index n, double scale) const {
  const Real a = static_cast<Real>(l1 * scale), b = static_cast<Real>(2.0 * l2 * scale);
  for (Index i = 0; i < n; ++i) {
    const Real sign = w[i] > 0 ? Real(1) : (w[i] < 0 ? Real(-1) : Real(0));
    grad[i] += a * sign + b * w[i];
  }
}

}  // namespace yamlnet
