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

TEST_CASE("large tensor buffers start on a 2 MiB boundary (for huge pages), zeroed, and grow keeping it") {
  constexpr std::uintptr_t kHugePage = std::uintptr_t(2) << 20;
  Tensor small({1000, 3});  // far below the threshold: an ordinary aligned buffer
  CHECK(reinterpret_cast<std::uintptr_t>(small.ptr()) % EIGEN_MAX_ALIGN_BYTES == 0);
  Tensor big({3000, 1000});  // 12 MB
  CHECK(reinterpret_cast<std::uintptr_t>(big.ptr()) % kHugePage == 0);
  CHECK(big.array().abs().maxCoeff() == 0);
  big.data.back() = 7;
  big.resize({5000, 1000});  // reallocates: the values move, the new buffer is aligned as well
  CHECK(reinterpret_cast<std::uintptr_t>(big.ptr()) % kHugePage == 0);
  CHECK(big.data[2999999] == 7);
  CHECK(big.data.back() == 0);
  big.resize({10, 3});  // shrinks in place; freeing it later goes to the matching deallocation
  CHECK(big.size() == 30);
}
