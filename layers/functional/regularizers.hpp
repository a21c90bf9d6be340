#pragma once
// l1, l2 and l1_l2 penalties, added to the loss as Keras does (a sum over the weight, not a mean).
#include <optional>

#include "interpreter/core/real.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

const FunctionFamily& regularizer_family();

struct Regularizer {
  double l1 = 0.0;
  double l2 = 0.0;
  // None for a missing (null) regularizer.
  static std::optional<Regularizer> from_value(const Value& value);
  double penalty(const Real* w, Index n) const;
  void add_gradient(const Real* w, Real* grad, Index n, double scale = 1.0) const;
};

}  // namespace yamlnet
