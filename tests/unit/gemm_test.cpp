// gemm (interpreter/core/gemm.hpp) on row-major blocks: every transpose combination equals Eigen's product,
// beta 0 overwrites whatever the result held (NaN included) and beta 1 adds to it, and nothing outside the
// result block is written.
#include "interpreter/core/gemm.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>

#include "interpreter/core/random.hpp"

using namespace yamlnet;

namespace {

RowMatrix random_matrix(Index rows, Index cols, uint64_t seed) {
  Random rng(seed);
  RowMatrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Real>(rng.uniform(-1, 1));
  return m;
}

// Largest difference relative to the magnitude of the expected values.
double max_difference(const RowMatrix& a, const RowMatrix& b) {
  return static_cast<double>((a - b).cwiseAbs().maxCoeff()) /
         std::max(1.0, static_cast<double>(b.cwiseAbs().maxCoeff()));
}

}  // namespace

// Sizes: one call; a one-column result (a matrix-vector product); larger than OpenBLAS's small-matrix kernels
// take, computed in pieces of the result's rows; in pieces of the depth (too few rows to cut).
TEST_CASE("gemm computes op(A) op(B) on blocks of larger matrices, with beta 0 or 1") {
  for (const auto& shape : {std::array<Index, 3>{37, 45, 29}, std::array<Index, 3>{40, 50, 1},
                            std::array<Index, 3>{301, 40, 128}, std::array<Index, 3>{32, 501, 128}}) {
    // Clang 14 cannot capture structured bindings (doctest's CAPTURE): named copies.
    const Index rows = shape[0], depth = shape[1], cols = shape[2];
    CAPTURE(rows);
    // Operands stored inside wider matrices, so each block's row stride differs from its width.
    const RowMatrix a_plain = random_matrix(rows, depth + 7, 1),
                    a_transposed = random_matrix(depth, rows + 5, 2);
    const RowMatrix b_plain = random_matrix(depth, cols + 3, 3),
                    b_transposed = random_matrix(cols, depth + 9, 4);
    const auto a_block = a_plain.middleCols(2, depth);
    const auto b_block = b_plain.middleCols(3, cols);
    const RowMatrix a = a_block, b = b_block;
    const RowMatrix expected = a * b;
    for (const Op op_a : {Op::plain, Op::transposed})
      for (const Op op_b : {Op::plain, Op::transposed}) {
        CAPTURE(static_cast<int>(op_a));
        CAPTURE(static_cast<int>(op_b));
        // Same product whichever way the operands are stored.
        const RowMatrix a_stored = op_a == Op::plain ? RowMatrix(a_block) : RowMatrix(a.transpose());
        const RowMatrix b_stored = op_b == Op::plain ? RowMatrix(b_block) : RowMatrix(b.transpose());
        RowMatrix a_wide = op_a == Op::plain ? a_plain : a_transposed;
        RowMatrix b_wide = op_b == Op::plain ? b_plain : b_transposed;
        const Index a_col = op_a == Op::plain ? 2 : 1, b_col = op_b == Op::plain ? 3 : 4;
        a_wide.middleCols(a_col, a_stored.cols()) = a_stored;
        b_wide.middleCols(b_col, b_stored.cols()) = b_stored;
        const auto a_arg = a_wide.middleCols(a_col, a_stored.cols());
        const auto b_arg = b_wide.middleCols(b_col, b_stored.cols());

        const Real nan = std::numeric_limits<Real>::quiet_NaN();
        RowMatrix c = RowMatrix::Constant(rows + 4, cols + 6, nan);
        gemm(op_a, a_arg, op_b, b_arg, c.block(2, 3, rows, cols), Real(0));
        CHECK(max_difference(c.block(2, 3, rows, cols), expected) < 1e-5);
        // Outside the block: untouched.
        CHECK(std::isnan(c(0, 0)));
        CHECK(std::isnan(c(2, 2)));
        CHECK(std::isnan(c(2 + rows, 3)));
        CHECK(std::isnan(c(2, 3 + cols)));

        gemm(op_a, a_arg, op_b, b_arg, c.block(2, 3, rows, cols), Real(1));
        CHECK(max_difference(c.block(2, 3, rows, cols), RowMatrix(2 * expected)) < 1e-5);
      }
  }
}

TEST_CASE("gemm over an empty depth gives zeros with beta 0 and leaves the result with beta 1") {
  const RowMatrix a(3, 0), b(0, 4);
  RowMatrix c = RowMatrix::Constant(3, 4, std::numeric_limits<Real>::quiet_NaN());
  gemm(Op::plain, a, Op::plain, b, c, Real(0));
  CHECK(c.isZero());
  c.setConstant(Real(2));
  gemm(Op::plain, a, Op::plain, b, c, Real(1));
  CHECK((c.array() == Real(2)).all());
}
