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

// Whether a plain product (neither operand transposed) with a result of `cols` columns over `depth` would
// have OpenBLAS 0.3.21's small-matrix kernel for AVX-512 allocate a copy of its right operand on every call:
// for cols % 16 in 1..8 and a depth of 32 or more (docs/benchmarks.md). A caller holding that operand in both
// layouts then takes the transposed form, whose kernels do not allocate.
bool plain_product_copies(Index cols, Index depth);

}  // namespace yamlnet
