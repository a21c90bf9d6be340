#include "interpreter/core/memory.hpp"

#include <unistd.h>

namespace yamlnet {

uint64_t physical_memory_bytes() {
  return static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace yamlnet
