#pragma once
// Keras's l2_normalize over the last axis: x / sqrt(max(sum(x^2), 1e-12)). Shared by UnitNormalization and
// Dot(normalize: true).
#include "interpreter/core/real.hpp"

namespace yamlnet {

// y may alias x. `norms` receives each row's divisor (rows values).
void l2_normalize_rows(const Real* x, Real* y, Real* norms, Index rows, Index cols);
// Adds d loss / d x for rows normalised by l2_normalize_rows (y: the normalised rows).
void l2_normalize_rows_backward(const Real* y, const Real* norms, const Real* dy, Real* dx, Index rows,
                                Index cols);

}  // namespace yamlnet
