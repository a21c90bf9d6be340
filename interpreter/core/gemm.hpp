#pragma once
// C = op(A) op(B) + beta C on row-major matrices or blocks of them (a Map, its middleRows/middleCols/block).
// Why not Eigen's `C.noalias() = A * B`: on its BLAS path Eigen zeroes C and then calls sgemm with beta 1, a
// pass over C that beta 0 avoids (a Dense kernel's gradient: 400 KB written twice per MLP step).
#include <Eigen/Core>

#include "interpreter/core/real.hpp"

namespace yamlnet {

using ConstMatrixRef = Eigen::Ref<const RowMatrix, 0, Eigen::OuterStride<>>;
using MatrixRef = Eigen::Ref<RowMatrix, 0, Eigen::OuterStride<>>;

enum class Op { plain, transposed };

// beta 0 overwrites C (whatever it held, NaN included); beta 1 adds to it.
void gemm(Op op_a, const ConstMatrixRef& a, Op op_b, const ConstMatrixRef& b, MatrixRef c, Real beta);

// C = beta C + A K^T for a K that many products read in a row (a recurrent layer's kernels over one batch's
// steps). refresh() keeps a copy of K^T, so each product is a plain one, which OpenBLAS's small kernels read
// in place (it has no small kernel for A K^T at most such sizes, and packs K at every call). Where the plain
// product's small kernel would allocate a copy on every call instead (OpenBLAS 0.3.21 on AVX-512: a result
// 1-8 columns past a multiple of 16 over a depth of 32 or more, docs/benchmarks.md), no copy is kept and the
// products read K transposed.
class TransposedOperand {
 public:
  void refresh(const ConstMatrixRef& k);
  void multiply(const ConstMatrixRef& a, MatrixRef c, Real beta) const;

 private:
  const Real* k_ = nullptr;
  Index rows_ = 0, cols_ = 0, stride_ = 0;
  RowMatrix k_t_;  // K^T; empty when the products read K itself
};

}  // namespace yamlnet
