#pragma once
// Keras constraints, applied to a weight after each optimizer update.
#include <optional>

#include "interpreter/core/tensor.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

const FunctionFamily& constraint_family();

struct Constraint {
  enum class Kind { MaxNorm, NonNeg, UnitNorm, MinMaxNorm } kind = Kind::NonNeg;
  double min_value = 0.0, max_value = 0.0, rate = 1.0;
  int64_t axis = 0;
  static std::optional<Constraint> from_value(const Value& value);
  void apply(Real* w, const Shape& shape) const;
};

}  // namespace yamlnet
