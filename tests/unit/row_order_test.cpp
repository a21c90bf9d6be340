// The orders an epoch's rows are visited in: the keyed permutation that data made batch by batch uses holds
// nothing, so what it must guarantee (every row exactly once, fixed by its key, no visible bias) is checked
// here directly.
#include "interpreter/data/row_order.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "interpreter/data/interaction_log.hpp"

using namespace yamlnet;

TEST_CASE("row order: a keyed order visits every row exactly once, for any row count") {
  // Counts at and around the powers of two the Feistel network's width steps at (walks are longest just
  // above one: nearly three quarters of the domain is then out of range).
  std::vector<Index> counts{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4097, 65537, 1 << 20};
  for (Index n : counts)
    for (uint64_t key : {uint64_t{0}, uint64_t{1}, uint64_t{0x9e3779b97f4a7c15}}) {
      RowOrder order;
      order.set_keyed(n, key);
      REQUIRE(order.size() == n);
      std::vector<uint32_t> rows = order.rows();
      std::sort(rows.begin(), rows.end());
      std::vector<uint32_t> expected(static_cast<size_t>(n));
      std::iota(expected.begin(), expected.end(), uint32_t(0));
      CHECK_MESSAGE(rows == expected, n << " rows, key " << key);
    }
}

TEST_CASE("row order: the key alone fixes a keyed order, and other keys give other orders") {
  RowOrder a, b, c;
  a.set_keyed(10007, 42);
  b.set_keyed(10007, 42);
  c.set_keyed(10007, 43);
  CHECK(a.rows() == b.rows());
  const std::vector<uint32_t> first = a.rows(), other = c.rows();
  const auto same = std::inner_product(first.begin(), first.end(), other.begin(), size_t{0}, std::plus<>(),
                                       [](uint32_t x, uint32_t y) { return size_t{x == y}; });
  CHECK(same < 10);  // a random pair of permutations agrees at about one position
  // Not the identity, nor a shift of it: consecutive positions land far apart.
  size_t adjacent = 0;
  for (size_t k = 1; k < first.size(); ++k) adjacent += first[k] == first[k - 1] + 1;
  CHECK(adjacent < 10);
}

TEST_CASE("row order: over many keys, each row is equally likely at each position") {
  // 20000 keys: each (position, row) pair should come up keys / rows times; a deviation of 250 is over five
  // standard deviations (at most sqrt(20000 / 8) = 50). 8 rows fill the network's domain; 10 walk out of it.
  constexpr int keys = 20000;
  for (const Index rows : {Index{8}, Index{10}}) {
    std::vector<int> count(static_cast<size_t>(rows * rows), 0);
    RowOrder order;
    for (int key = 0; key < keys; ++key) {
      order.set_keyed(rows, static_cast<uint64_t>(key));
      for (size_t p = 0; p < static_cast<size_t>(rows); ++p)
        ++count[p * static_cast<size_t>(rows) + order[p]];
    }
    for (size_t k = 0; k < count.size(); ++k)
      CHECK_MESSAGE(std::abs(count[k] - keys / static_cast<int>(rows)) < 250,
                    rows << " rows: position " << k / static_cast<size_t>(rows) << ", row "
                         << k % static_cast<size_t>(rows));
  }
}

TEST_CASE("row order: a held shuffle is Fisher-Yates over the generator, and identity holds nothing") {
  Random rng(7), same(7);
  RowOrder order;
  order.set_shuffled(100, rng);
  std::vector<uint32_t> expected(100);
  std::iota(expected.begin(), expected.end(), uint32_t(0));
  for (Index i = 99; i > 0; --i)
    std::swap(expected[static_cast<size_t>(i)], expected[static_cast<size_t>(same.below(i + 1))]);
  CHECK(order.rows() == expected);
  CHECK(rng.next() == same.next());  // the generator moved exactly as far
  order.set_identity(5);
  CHECK(order.rows() == std::vector<uint32_t>{0, 1, 2, 3, 4});
}

TEST_CASE(
    "row order: a range index finds the range holding each position, as a search of every offset does") {
  // Ranges of random lengths, many empty (users without training positives), over several blocks of 4096,
  // ending exactly at a block's end and not.
  for (size_t total_wanted : {size_t{1}, size_t{4096}, size_t{50000}}) {
    Random rng(total_wanted);
    std::vector<size_t> offsets{0};
    while (offsets.back() < total_wanted) {
      const size_t length =
          rng.uniform() < 0.3 ? 0 : static_cast<size_t>(rng.below(rng.uniform() < 0.1 ? 9000 : 40));
      offsets.push_back(std::min(total_wanted, offsets.back() + length));
    }
    offsets.push_back(total_wanted);  // an empty last range
    const RangeIndex index(offsets);
    for (size_t position = 0; position < total_wanted; ++position) {
      const auto expected =
          static_cast<size_t>(std::upper_bound(offsets.begin(), offsets.end(), position) - offsets.begin()) -
          1;
      REQUIRE_MESSAGE(index.find(offsets, position) == expected,
                      total_wanted << " positions, at " << position);
    }
  }
}
