#include "interpreter/core/gemm.hpp"

#include <algorithm>
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

}  // namespace

void gemm(Op op_a, const ConstMatrixRef& a, Op op_b, const ConstMatrixRef& b, MatrixRef c, Real beta) {
  const bool ta = op_a == Op::transposed, tb = op_b == Op::transposed;
  const Index depth = ta ? a.rows() : a.cols();
  eigen_assert((ta ? a.cols() : a.rows()) == c.rows() && (tb ? b.rows() : b.cols()) == c.cols() &&
               (tb ? b.cols() : b.rows()) == depth);
  if (c.size() == 0) return;
#ifdef EIGEN_USE_BLAS
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
#endif
}

}  // namespace yamlnet
