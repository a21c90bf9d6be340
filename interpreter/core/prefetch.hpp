#pragma once
// Rows of a table fetched ahead of their use. A batch looks up rows scattered over tables larger than the
// caches (MovieLens-20M's users): each lookup is a miss, and asking for the rows a few lookups ahead lets
// those misses overlap the work on the rows before them instead of queueing one after the other.
#include "interpreter/core/real.hpp"

namespace yamlnet {

// How many rows ahead of the one in use: enough to cover a miss, few enough to stay in the first-level cache.
constexpr Index kRowsAhead = 4;
constexpr Index kRealsPerCacheLine = 64 / static_cast<Index>(sizeof(Real));

// Asks for every cache line of `width` values from `row`; kWrite when the row is about to be written.
template <bool kWrite>
inline void prefetch_row(const Real* row, Index width) {
  for (Index line = 0; line < width; line += kRealsPerCacheLine)
    __builtin_prefetch(row + line, kWrite ? 1 : 0);
}

}  // namespace yamlnet
