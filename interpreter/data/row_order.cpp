#include "interpreter/data/row_order.hpp"

#include <numeric>
#include <utility>

namespace yamlnet {

namespace {

// SplitMix64's finalizer: every input bit flips about half of the output bits (the Feistel round function).
uint64_t mix_bits(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void RowOrder::set_identity(Index rows) {
  kind_ = Kind::Identity;
  rows_ = rows;
}

void RowOrder::set_shuffled(Index rows, Random& rng) {
  kind_ = Kind::Held;
  rows_ = rows;
  held_.resize(static_cast<size_t>(rows));
  std::iota(held_.begin(), held_.end(), uint32_t(0));
  for (Index i = rows - 1; i > 0; --i)
    std::swap(held_[static_cast<size_t>(i)], held_[static_cast<size_t>(rng.below(i + 1))]);
}

void RowOrder::set_keyed(Index rows, uint64_t key) {
  kind_ = Kind::Keyed;
  rows_ = rows;
  held_ = {};  // a held order of an earlier epoch is not needed any more
  unsigned bits = 2;
  while (bits < 64 && (uint64_t{1} << bits) < static_cast<uint64_t>(rows)) bits += 2;
  half_bits_ = bits / 2;
  Random keys(key);
  for (auto& k : round_keys_) k = keys.next();
}

uint32_t RowOrder::keyed_row(uint64_t position) const {
  const uint64_t mask = (uint64_t{1} << half_bits_) - 1;
  uint64_t x = position;
  // A bijection of [0, 2^bits) applied until the result is a row: the cycle through `position` returns to
  // [0, rows) before it closes, so this is a bijection of [0, rows) too.
  do {
    uint64_t left = x >> half_bits_, right = x & mask;
    for (const uint64_t k : round_keys_) {
      const uint64_t next_right = left ^ (mix_bits(right + k) & mask);
      left = right;
      right = next_right;
    }
    x = (left << half_bits_) | right;
  } while (x >= static_cast<uint64_t>(rows_));
  return static_cast<uint32_t>(x);
}

}  // namespace yamlnet
