#include "layers/functional/constraints.hpp"

#include <algorithm>
#include <cmath>

namespace yamlnet {

namespace {
// Keras's backend epsilon, added to the norm before dividing.
constexpr double kNormEpsilon = 1e-7;
}  // namespace

const FunctionFamily& constraint_family() {
  static const FunctionFamily family{
      "constraint",
      {
          {"max_norm",
           "rescale so the norm along `axis` is at most max_value",
           {float_arg("max_value", 2.0, "the largest norm", 0.0),
            int_arg("axis", 0, "axis the norm is taken over")},
           {"maxnorm"}},
          {"non_neg", "set negative weights to zero", {}, {"nonneg"}},
          {"unit_norm",
           "rescale to unit norm along `axis`",
           {int_arg("axis", 0, "axis the norm is taken over")},
           {"unitnorm"}},
          {"min_max_norm",
           "keep the norm along `axis` between min_value and max_value",
           {float_arg("min_value", 0.0, "smallest norm", 0.0),
            float_arg("max_value", 1.0, "largest norm", 0.0),
            float_arg("rate", 1.0, "how far to move towards the range", 0.0, 1.0),
            int_arg("axis", 0, "axis the norm is taken over")},
           {"minmaxnorm"}},
      }};
  return family;
}

std::optional<Constraint> Constraint::from_value(const Value& value) {
  if (value.is_none()) return std::nullopt;
  Constraint c;
  if (value.s == "max_norm") c.kind = Kind::MaxNorm;
  if (value.s == "non_neg") c.kind = Kind::NonNeg;
  if (value.s == "unit_norm") c.kind = Kind::UnitNorm;
  if (value.s == "min_max_norm") c.kind = Kind::MinMaxNorm;
  if (const Value* v = value.arg("max_value")) c.max_value = v->as_double();
  if (const Value* v = value.arg("min_value")) c.min_value = v->as_double();
  if (const Value* v = value.arg("rate")) c.rate = v->as_double();
  if (const Value* v = value.arg("axis")) c.axis = v->i;
  return c;
}

void Constraint::apply(Real* w, const Shape& shape) const {
  const Index n = shape_size(shape);
  if (kind == Kind::NonNeg) {
    for (Index i = 0; i < n; ++i) w[i] = std::max(w[i], Real(0));
    return;
  }
  // View the weight as [outer, len, inner] with the norm taken over the middle axis.
  const Index rank = static_cast<Index>(shape.size());
  if (rank == 0) return;
  const Index norm_axis = std::clamp<Index>(axis < 0 ? axis + rank : axis, 0, rank - 1);
  Index outer = 1, inner = 1;
  for (Index d = 0; d < norm_axis; ++d) outer *= shape[d];
  for (Index d = norm_axis + 1; d < rank; ++d) inner *= shape[d];
  const Index len = shape[norm_axis];
  for (Index o = 0; o < outer; ++o)
    for (Index i = 0; i < inner; ++i) {
      Real* base = w + o * len * inner + i;
      double sq = 0;
      for (Index k = 0; k < len; ++k) sq += static_cast<double>(base[k * inner]) * base[k * inner];
      const double norm = std::sqrt(sq);
      double desired = 1.0;
      if (kind == Kind::MaxNorm) desired = std::clamp(norm, 0.0, max_value);
      if (kind == Kind::MinMaxNorm)
        desired = rate * std::clamp(norm, min_value, max_value) + (1.0 - rate) * norm;
      const Real factor = static_cast<Real>(desired / (kNormEpsilon + norm));
      for (Index k = 0; k < len; ++k) base[k * inner] *= factor;
    }
}

}  // namespace yamlnet
