// Tensor buffers start on Eigen's widest alignment whatever the heap did before, so vectorised sums take the
// same order (and give the same bits) in every run: same seed, same build, same weights file.
#include "interpreter/core/tensor.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>

using namespace yamlnet;

TEST_CASE("tensor buffers are aligned for Eigen's widest packets, after any heap history") {
  std::vector<std::unique_ptr<char[]>> junk;
  for (Index n = 1; n < 200; n += 7) {
    junk.emplace_back(new char[static_cast<size_t>(n) * 3 + 1]);  // shift what malloc hands out next
    Tensor t({n, 3});
    CHECK(reinterpret_cast<std::uintptr_t>(t.ptr()) % EIGEN_MAX_ALIGN_BYTES == 0);
    t.resize({n * 5, 3});  // regrowing keeps the alignment
    CHECK(reinterpret_cast<std::uintptr_t>(t.ptr()) % EIGEN_MAX_ALIGN_BYTES == 0);
  }
}
