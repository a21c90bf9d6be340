#pragma once
// The positions of an epoch's rows, in the order they are trained or evaluated: 0, 1, ... as they are; a
// shuffle drawn and held as 32-bit positions (what fit's shuffle does for data held in memory); or a keyed
// permutation computed position by position, which holds nothing (for data made batch by batch, whose held
// order would be the largest thing in memory: 400 MB for NeuMF's 99M rows an epoch at MovieLens-20M's size).
// Data of 2^32 rows or more is refused by the trainer with a TrainingError.
#include <array>
#include <cstdint>
#include <vector>

#include "interpreter/core/random.hpp"
#include "interpreter/core/real.hpp"

namespace yamlnet {

class RowOrder {
 public:
  RowOrder() = default;
  // 0, 1, ..., rows - 1.
  void set_identity(Index rows);
  // A Fisher-Yates shuffle of 0 .. rows - 1 drawn from `rng`, held (the buffer is kept between epochs).
  void set_shuffled(Index rows, Random& rng);
  // A pseudo-random permutation of 0 .. rows - 1 fixed by `key`: a six-round Feistel network over the
  // smallest number of bits that covers the rows, walked until it lands below `rows` (under two steps on
  // average; about 25 ns a row). Any position's row is computed alone, so every process of a launch and a
  // resumed run get the same order without holding it.
  void set_keyed(Index rows, uint64_t key);

  Index size() const { return rows_; }
  // Every position's row, in order (what a held order would hold).
  std::vector<uint32_t> rows() const;
  uint32_t operator[](size_t position) const {
    switch (kind_) {
      case Kind::Held:
        return held_[position];
      case Kind::Keyed:
        return keyed_row(position);
      case Kind::Identity:
        break;
    }
    return static_cast<uint32_t>(position);
  }

 private:
  enum class Kind { Identity, Held, Keyed };
  uint32_t keyed_row(uint64_t position) const;

  Kind kind_ = Kind::Identity;
  Index rows_ = 0;
  std::vector<uint32_t> held_;
  std::array<uint64_t, 6> round_keys_{};
  unsigned high_bits_ = 1, low_bits_ = 1;
};

}  // namespace yamlnet
