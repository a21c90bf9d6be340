#pragma once
// The gradient of a table that one step writes in a few rows (Embedding lookups, sampled softmax), kept as
// those rows only. At MovieLens-20M's sizes every row of a table-sized gradient, and every entry of a
// table-sized index of rows, was a cache miss; these structures grow with the rows a step touches instead.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

// A set of a table's rows in the order they were added, found through an open-addressed hash of twice as
// many slots as rows (grown, never shrunk: no allocation once warm). Clearing costs the rows added.
class RowSet {
 public:
  // Where `row` is in rows(): added at the end if it is not there yet.
  size_t add(Index row) {
    if (2 * (rows_.size() + 1) > slots_.size()) grow();
    Slot& slot = slots_[probe(row)];
    if (slot.row != row) {
      slot = Slot{row, rows_.size()};
      rows_.push_back(row);
    }
    return slot.at;
  }
  // Where `row` is in rows(), or -1.
  int64_t find(Index row) const {
    if (slots_.empty()) return -1;
    const Slot& slot = slots_[probe(row)];
    return slot.row == row ? static_cast<int64_t>(slot.at) : -1;
  }
  const std::vector<Index>& rows() const { return rows_; }
  void clear() {
    // Last added first: a row's probe went only through slots of rows added before it, still there when it
    // is looked for (grow() inserts them again in the same order).
    for (auto r = rows_.rbegin(); r != rows_.rend(); ++r) slots_[probe(*r)].row = kEmpty;
    rows_.clear();
  }

 private:
  static constexpr Index kEmpty = -1;
  struct Slot {
    Index row = kEmpty;
    size_t at = 0;
  };
  std::vector<Slot> slots_;  // a power of two in size
  int shift_ = 64;           // 64 - log2(slots_.size()): a Fibonacci hash takes the product's top bits
  std::vector<Index> rows_;

  // The slot holding `row`, or the empty one where it would go.
  size_t probe(Index row) const {
    const size_t mask = slots_.size() - 1;
    size_t at = static_cast<size_t>((static_cast<uint64_t>(row) * 0x9E3779B97F4A7C15ull) >> shift_);
    while (slots_[at].row != row && slots_[at].row != kEmpty) at = (at + 1) & mask;
    return at;
  }
  void grow() {
    const size_t size = std::max<size_t>(64, 2 * slots_.size());
    slots_.assign(size, Slot{});
    shift_ = 64 - __builtin_ctzll(size);
    for (size_t k = 0; k < rows_.size(); ++k) slots_[probe(rows_[k])] = Slot{rows_[k], k};
  }
};

// The rows of a table's gradient that one step wrote, one after another in the order first written; the rest
// of the gradient is zero. Adding to them, the optimizers' row updates and the data-parallel sums read a
// buffer the size of the batch's rows.
class RowGradients {
 public:
  explicit RowGradients(Index width) : width_(width) {}
  // The gradient row of `row`: zero when first asked for since clear(). Valid until the next add.
  Real* add(Index row) {
    const size_t known = rows_.rows().size();
    const size_t at = rows_.add(row);
    const size_t end = (at + 1) * static_cast<size_t>(width_);
    if (end > values_.size()) values_.resize(std::max(end, 2 * values_.size()));
    Real* values = values_.data() + at * static_cast<size_t>(width_);
    if (at == known) std::fill_n(values, width_, Real(0));
    return values;
  }
  // The gradient of rows()[k].
  const Real* at(size_t k) const { return values_.data() + k * static_cast<size_t>(width_); }
  // The gradient row of `row`, or nullptr where it is zero.
  const Real* find(Index row) const {
    const int64_t k = rows_.find(row);
    return k < 0 ? nullptr : at(static_cast<size_t>(k));
  }
  const std::vector<Index>& rows() const { return rows_.rows(); }
  Index width() const { return width_; }
  void clear() { rows_.clear(); }

 private:
  RowSet rows_;
  Index width_;
  RealBuffer values_;  // rows().size() rows of width_, in the order of rows(); grown, never shrunk
};

}  // namespace yamlnet
