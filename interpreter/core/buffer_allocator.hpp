#pragma once
// The allocator of every tensor's values (RealBuffer).
#include <cstddef>

namespace yamlnet {

namespace detail {
void* allocate_buffer(std::size_t bytes);
void free_buffer(void* p, std::size_t bytes);
}  // namespace detail

// Buffers start on Eigen's widest alignment: its vectorised reductions peel scalar steps until an aligned
// address, so with malloc's varying alignment the order of a sum - and the last bit of a weight - would
// depend on the heap layout. Aligned buffers make the same seed give the same bits in every run.
// Large buffers (a training set, a big embedding table) are also asked for on transparent huge pages: a
// batch gathers rows from all over them, and with 4 KiB pages nearly every row cost a TLB miss and a page
// walk (the mlp's gather of 32 Fashion-MNIST rows from its 188 MB training set took a third less time on
// 2 MiB pages).
template <class T>
struct BufferAllocator {
  using value_type = T;
  BufferAllocator() = default;
  template <class U>
  BufferAllocator(const BufferAllocator<U>&) {}  // NOLINT: allocators convert implicitly
  T* allocate(std::size_t n) { return static_cast<T*>(detail::allocate_buffer(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { detail::free_buffer(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const BufferAllocator<U>&) const {
    return true;
  }
};

}  // namespace yamlnet
