#pragma once
// The machine's physical memory: the default bound of every size a config or a data file asks for.
#include <cstdint>

namespace yamlnet {

uint64_t physical_memory_bytes();

}  // namespace yamlnet
