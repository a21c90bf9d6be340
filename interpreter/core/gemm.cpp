#include "interpreter/core/gemm.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace yamlnet {

namespace {

#ifdef EIGEN_USE_BLAS
// Eigen declares the Fortran BLAS interface when it routes its own products there (Eigen/src/misc/blas.h).
template <class T>
void blas_gemm(const char* ta, const char* tb, const int* m, const int* n, const int* k, const T* alpha,
               const T* a, const int* lda, const T* b, const int* ldb, const T* beta, T* c, const int* ldc) {
  if constexpr (std::is_same_v<T, float>)
    sgemm_(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    dgemm_(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#endif

// Eigen's product: C = beta C + op(A) op(B).
void eigen_gemm(bool ta, const ConstMatrixRef& a, bool tb, const ConstMatrixRef& b, MatrixRef c, Real beta) {
  if (beta == Real(0))
    c.setZero();
  else if (beta != Real(1))
    c *= beta;
  if (ta && tb)
    c.noalias() += a.transpose() * b.transpose();
  else if (ta)
    c.noalias() += a.transpose() * b;
  else if (tb)
    c.noalias() += a * b.transpose();
  else
    c.noalias() += a * b;
}

// One BLAS call (or Eigen's product without BLAS).
void gemm_whole(bool ta, const ConstMatrixRef& a, bool tb, const ConstMatrixRef& b, MatrixRef c, Real beta) {
  const Index depth = ta ? a.rows() : a.cols();
#ifdef EIGEN_USE_BLAS
  // A one-column or one-row result is a matrix-vector product, which Eigen hands to BLAS's gemv; OpenBLAS's
  // small-matrix sgemm would allocate a copy of the matrix on every call (a Dense layer of one unit).
  if (c.cols() == 1 || c.rows() == 1) {
    eigen_gemm(ta, a, tb, b, c, beta);
    return;
  }
  // Column-major BLAS reads a row-major matrix as its transpose, so it computes C^T = op(B)^T op(A)^T.
  const char blas_ta = tb ? 'T' : 'N', blas_tb = ta ? 'T' : 'N';
  const int m = static_cast<int>(c.cols()), n = static_cast<int>(c.rows()), k = static_cast<int>(depth);
  // Leading dimensions of empty operands must still be at least 1.
  const int lda = static_cast<int>(std::max<Index>(1, b.outerStride()));
  const int ldb = static_cast<int>(std::max<Index>(1, a.outerStride()));
  const int ldc = static_cast<int>(std::max<Index>(1, c.outerStride()));
  const Real one = 1;
  blas_gemm(&blas_ta, &blas_tb, &m, &n, &k, &one, b.data(), &lda, a.data(), &ldb, &beta, c.data(), &ldc);
#else
  (void)depth;
  eigen_gemm(ta, a, tb, b, c, beta);
#endif
}

#ifdef EIGEN_USE_BLAS
// Multiply-adds up to which OpenBLAS (0.3.21's AVX-512 targets) uses its small-matrix kernels, which read
// the operands in place instead of packing them first: a 32x784x128 product (a Dense layer at batch 32) ran
// at 91 GFLOP/s in one call and at 114 in four calls over a quarter of the depth each, above the 1536^3
// product's 104 (docs/benchmarks.md). Larger products whose result is small are therefore computed in
// pieces of at most this size; large ones, whose packing pays for itself, stay whole.
constexpr double kSmallProduct = 1.0e6;
// Thinner pieces lose more than the packing costs: the small kernels were slower than one packed call on
// pieces of fewer than 64 result rows (an LSTM's 5120x256x64 input gradient in 53-row pieces: 67 against 75
// GFLOP/s), not on depth pieces of 16 or more (an LSTM step's 64x128x256 product: 108 against 94).
constexpr Index kThinnestRowPiece = 64;
constexpr Index kThinnestDepthPiece = 16;

// Pieces of at most `most` along a dimension of n (1 when they would be thinner than `thinnest`), as even as
// possible with boundaries on multiples of 8: odd-sized pieces ran the small kernels up to 20% slower.
Index piece_count(Index n, double most, Index thinnest) {
  most -= 8;  // room for the rounding of the boundaries
  if (most < static_cast<double>(thinnest) || static_cast<double>(n) <= most) return 1;
  return static_cast<Index>(std::ceil(static_cast<double>(n) / most));
}

// Whether OpenBLAS 0.3.21 (sgemm_small_kernel_permit for AVX-512) takes a small kernel for a piece with a
// result of `result_values` values; it packs otherwise, and packed pieces only add calls. In BLAS's terms
// (C^T = op(B)^T op(A)^T, so BLAS's transa is our tb): there is no transposed-transposed small kernel, and
// the transposed-plain one only for results of at most 1200 values over a depth of 32 or more.
bool small_kernel_takes(bool ta, bool tb, Index result_values, Index depth) {
  if (!tb) return true;
  return !ta && result_values <= 1200 && depth >= 32;
}

Index piece_begin(Index n, Index pieces, Index p) {
  return p == pieces ? n : n * p / pieces / 8 * 8;
}
#endif

}  // namespace

void gemm(Op op_a, const ConstMatrixRef& a, Op op_b, const ConstMatrixRef& b, MatrixRef c, Real beta) {
  const bool ta = op_a == Op::transposed, tb = op_b == Op::transposed;
  const Index rows = c.rows(), cols = c.cols(), depth = ta ? a.rows() : a.cols();
  eigen_assert((ta ? a.cols() : a.rows()) == rows && (tb ? b.rows() : b.cols()) == cols &&
               (tb ? b.cols() : b.rows()) == depth);
  // Without BLAS and with NDEBUG only the assertion reads the sizes.
  EIGEN_ONLY_USED_FOR_DEBUG(rows);
  EIGEN_ONLY_USED_FOR_DEBUG(cols);
  EIGEN_ONLY_USED_FOR_DEBUG(depth);
  if (c.size() == 0) return;
#ifdef EIGEN_USE_BLAS
  const double work = static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(depth);
  if (work > kSmallProduct) {
    // By rows of the result first: each piece is a complete product, summed as a whole one would be.
    if (const Index pieces =
            piece_count(rows, kSmallProduct / (static_cast<double>(cols) * depth), kThinnestRowPiece);
        pieces > 1 && small_kernel_takes(ta, tb, rows / pieces * cols, depth)) {
      for (Index p = 0; p < pieces; ++p) {
        const Index r = piece_begin(rows, pieces, p), nr = piece_begin(rows, pieces, p + 1) - r;
        gemm_whole(ta, ta ? a.block(0, r, depth, nr) : a.block(r, 0, nr, depth), tb, b, c.middleRows(r, nr),
                   beta);
      }
      return;
    }
    // Over the depth: the first piece applies beta, the others add.
    if (const Index pieces =
            piece_count(depth, kSmallProduct / (static_cast<double>(rows) * cols), kThinnestDepthPiece);
        pieces > 1 && small_kernel_takes(ta, tb, rows * cols, depth / pieces)) {
      for (Index p = 0; p < pieces; ++p) {
        const Index k = piece_begin(depth, pieces, p), nk = piece_begin(depth, pieces, p + 1) - k;
        gemm_whole(ta, ta ? a.block(k, 0, nk, rows) : a.block(0, k, rows, nk), tb,
                   tb ? b.block(0, k, cols, nk) : b.block(k, 0, nk, cols), c, p == 0 ? beta : Real(1));
      }
      return;
    }
  }
#endif
  gemm_whole(ta, a, tb, b, c, beta);
}

void TransposedOperand::refresh(const ConstMatrixRef& k) {
  k_ = k.data();
  rows_ = k.rows();
  cols_ = k.cols();
  stride_ = k.outerStride();
#ifdef EIGEN_USE_BLAS
  // The plain product A K^T has K's rows as its columns and K's columns as its depth.
  const Index tail = rows_ % 16;
  if (tail >= 1 && tail <= 8 && cols_ >= 32) {
    k_t_.resize(0, 0);
    return;
  }
#endif
  k_t_ = k.transpose();
}

void TransposedOperand::multiply(const ConstMatrixRef& a, MatrixRef c, Real beta) const {
  if (k_t_.size() == 0)
    gemm(
        Op::plain, a, Op::transposed,
        Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>(k_, rows_, cols_, Eigen::OuterStride<>(stride_)),
        c, beta);
  else
    gemm(Op::plain, a, Op::plain, k_t_, c, beta);
}

}  // namespace yamlnet
