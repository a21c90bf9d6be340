#pragma once
// A batch-first, row-major buffer. Shapes stored here include the batch as the leading dimension;
// shapes passed to Layer::build are per sample (no batch).
#include <Eigen/Core>
#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "interpreter/core/buffer_allocator.hpp"
#include "interpreter/core/real.hpp"

namespace yamlnet {

using Shape = std::vector<Index>;

Index shape_size(const Shape& shape);
// Keras's notation: "(None, 28, 28)" with a batch, "(28, 28)" without.
std::string shape_to_string(const Shape& per_sample, bool with_batch = true);
Shape with_batch(Index batch, const Shape& per_sample);

// Aligned, and on huge pages when large (see BufferAllocator).
using RealBuffer = std::vector<Real, BufferAllocator<Real>>;

struct Tensor {
  Shape shape;
  RealBuffer data;

  Tensor() = default;
  explicit Tensor(const Shape& s) { resize(s); }

  // The shape is copied into the existing shape vector and the data grows within its capacity, so once a
  // training step has run, the next ones allocate nothing (tests/unit/allocation_test.cpp). The forms below
  // build the new shape in place, where a Shape temporary would allocate.
  void resize(const Shape& s) {
    if (&s != &shape) shape.assign(s.begin(), s.end());
    fit_data();
  }
  void resize(std::initializer_list<Index> s) {
    shape.assign(s);
    fit_data();
  }
  // `like` with its first dimension set to `rows`.
  void resize_rows(const Shape& like, Index rows) {
    if (&like != &shape) shape.assign(like.begin(), like.end());
    shape[0] = rows;
    fit_data();
  }
  // `like` with its last dimension set to `last`.
  void resize_last(const Shape& like, Index last) {
    if (&like != &shape) shape.assign(like.begin(), like.end());
    shape.back() = last;
    fit_data();
  }
  // `like` with one more dimension, `last`, at the end.
  void resize_appended(const Shape& like, Index last) {
    if (&like != &shape) shape.assign(like.begin(), like.end());
    shape.push_back(last);
    fit_data();
  }
  // [batch, per_sample...]
  void resize_batch(Index batch, const Shape& per_sample) {
    shape.resize(per_sample.size() + 1);
    shape[0] = batch;
    std::copy(per_sample.begin(), per_sample.end(), shape.begin() + 1);
    fit_data();
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

 private:
  void fit_data() { data.resize(static_cast<size_t>(shape_size(shape))); }
};

// A plain copy of a buffer (for comparisons in tests and messages).
inline std::vector<Real> to_vector(const RealBuffer& buffer) {
  return {buffer.begin(), buffer.end()};
}

}  // namespace yamlnet
