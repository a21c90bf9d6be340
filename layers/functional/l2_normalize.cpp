#include "layers/functional/l2_normalize.hpp"

#include <cmath>

namespace yamlnet {

namespace {
constexpr double kMinSquaredNorm = 1e-12;  // on the squared norm, as tf.math.l2_normalize
}

void l2_normalize_rows(const Real* x, Real* y, Real* norms, Index rows, Index cols) {
  for (Index r = 0; r < rows; ++r) {
    double sq = 0;
    for (Index c = 0; c < cols; ++c) sq += static_cast<double>(x[r * cols + c]) * x[r * cols + c];
    const double norm = std::sqrt(std::max(sq, kMinSquaredNorm));
    norms[r] = static_cast<Real>(norm);
    for (Index c = 0; c < cols; ++c) y[r * cols + c] = static_cast<Real>(x[r * cols + c] / norm);
  }
}

void l2_normalize_rows_backward(const Real* y, const Real* norms, const Real* dy, Real* dx, Index rows,
                                Index cols) {
  for (Index r = 0; r < rows; ++r) {
    const double norm = norms[r];
    // Below the epsilon the divisor is a constant and the map is linear.
    const bool clipped = norm * norm <= kMinSquaredNorm;
    double dot = 0;
    if (!clipped)
      for (Index c = 0; c < cols; ++c) dot += static_cast<double>(y[r * cols + c]) * dy[r * cols + c];
    for (Index c = 0; c < cols; ++c)
      dx[r * cols + c] += static_cast<Real>((dy[r * cols + c] - y[r * cols + c] * dot) / norm);
  }
}

}  // namespace yamlnet
