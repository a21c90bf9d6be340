#include "interpreter/data/row_order.hpp"

#include <numeric>
#include <utility>

namespace yamlnet {

std::vector<uint32_t> RowOrder::rows() const {
  std::vector<uint32_t> out(static_cast<size_t>(rows_));
  for (size_t k = 0; k < out.size(); ++k) out[k] = (*this)[k];
  return out;
}

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
  // The smallest power of two that covers the rows (at least 4), so a walk takes under two steps on average.
  unsigned bits = 2;
  while (bits < 64 && (uint64_t{1} << bits) < static_cast<uint64_t>(rows)) ++bits;
  high_bits_ = bits - bits / 2;
  low_bits_ = bits / 2;
  Random keys(key);
  for (auto& k : round_keys_) k = keys.next() | 1;
}

uint32_t RowOrder::keyed_row(uint64_t position) const {
  uint64_t x = position;
  // A bijection of [0, 2^bits) applied until the result is a row: the cycle through `position` returns to
  // [0, rows) before it closes, so this is a bijection of [0, rows) too.
  do {
    // Unbalanced Feistel rounds: x = (high, low) becomes (low, high ^ F(low)), the halves trading widths
    // each round, which any F keeps invertible. F hashes low with the round's odd key (multiply, fold,
    // multiply; the top bits are the best mixed). Six rounds: with four, small domains were visibly biased.
    unsigned high = high_bits_, low = low_bits_;
    for (const uint64_t k : round_keys_) {
      const uint64_t h = x >> low, l = x & ((uint64_t{1} << low) - 1);
      uint64_t f = (l ^ k) * 0x9e3779b97f4a7c15ULL;
      f = ((f ^ (f >> 29)) * k) >> (64 - high);
      x = (l << high) | (h ^ f);
      std::swap(high, low);
    }
  } while (x >= static_cast<uint64_t>(rows_));
  return static_cast<uint32_t>(x);
}

}  // namespace yamlnet
