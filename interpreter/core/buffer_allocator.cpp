#include "interpreter/core/buffer_allocator.hpp"

#include <sys/mman.h>

#include <Eigen/Core>
#include <cstdlib>
#include <new>

namespace yamlnet::detail {

namespace {
constexpr std::size_t kHugePage = std::size_t(2) << 20;
// From this size a buffer is worth whole huge pages: the rounding wastes at most one 2 MiB page in four.
constexpr std::size_t kHugePageBuffer = 4 * kHugePage;

bool on_huge_pages(std::size_t bytes) {
  return bytes >= kHugePageBuffer;
}
}  // namespace

void* allocate_buffer(std::size_t bytes) {
  if (!on_huge_pages(bytes)) return Eigen::internal::aligned_malloc(bytes);
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) throw std::bad_alloc();
  // Advice only: where the kernel has no huge page to give (THP disabled, memory fragmented), the buffer is
  // on ordinary pages and every result is the same.
  madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

void free_buffer(void* p, std::size_t bytes) {
  if (!on_huge_pages(bytes))
    Eigen::internal::aligned_free(p);
  else
    std::free(p);
}

}  // namespace yamlnet::detail
