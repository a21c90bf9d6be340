#pragma once
// A batch-first, row-major buffer. Shapes stored here include the batch as the leading dimension;
// shapes passed to Layer::build are per sample (no batch).
#include <Eigen/Core>
#include <string>
#include <vector>

#include "interpreter/core/real.hpp"

namespace yamlnet {

using Shape = std::vector<Index>;

Index shape_size(const Shape& shape);
// Keras's notation: "(None, 28, 28)" with a batch, "(28, 28)" without.
std::string shape_to_string(const Shape& per_sample, bool with_batch = true);
Shape with_batch(Index batch, const Shape& per_sample);

// Buffers start on Eigen's widest alignment: its vectorised reductions peel scalar steps until an aligned
// address, so with malloc's varying alignment the order of a sum - and the last bit of a weight - would
// depend on the heap layout. Aligned buffers make the same seed give the same bits in every run.
using RealBuffer = std::vector<Real, Eigen::aligned_allocator<Real>>;

struct Tensor {
  Shape shape;
  RealBuffer data;

  Tensor() = default;
  explicit Tensor(Shape s) { resize(std::move(s)); }

  // Shrinking or regrowing within capacity does not allocate: buffers are reused across training steps.
  void resize(Shape s) {
    shape = std::move(s);
    data.resize(static_cast<size_t>(shape_size(shape)));
  }
  void set_zero() { std::fill(data.begin(), data.end(), Real(0)); }
  bool empty() const { return shape.empty(); }
  Index size() const { return static_cast<Index>(data.size()); }
  Index batch() const { return shape.empty() ? 0 : shape[0]; }
  Index last_dim() const { return shape.empty() ? 0 : shape.back(); }
  Index row_size() const { return batch() == 0 ? 0 : size() / batch(); }
  Real* ptr() { return data.data(); }
  const Real* ptr() const { return data.data(); }

  // The buffer seen as a matrix with `cols` columns (rows = size / cols).
  MatrixMap matrix(Index cols) { return MatrixMap(data.data(), cols == 0 ? 0 : size() / cols, cols); }
  ConstMatrixMap matrix(Index cols) const {
    return ConstMatrixMap(data.data(), cols == 0 ? 0 : size() / cols, cols);
  }
  ArrayMap array() { return ArrayMap(data.data(), size()); }
  ConstArrayMap array() const { return ConstArrayMap(data.data(), size()); }
};

// A plain copy of a buffer (for comparisons in tests and messages).
inline std::vector<Real> to_vector(const RealBuffer& buffer) {
  return {buffer.begin(), buffer.end()};
}

}  // namespace yamlnet
