// RowSet and RowGradients (layers/row_gradients.hpp): the hashed set of a step's rows against a plain map,
// over many steps, since a set that forgets a row wrongly would hand a stale gradient to the optimizer.
#include "layers/row_gradients.hpp"

#include <doctest/doctest.h>

#include <map>

#include "interpreter/core/random.hpp"

using namespace yamlnet;

TEST_CASE("RowSet: positions in order of addition, found again, forgotten by clear, over many steps") {
  RowSet set;
  Random rng(7);
  for (int step = 0; step < 300; ++step) {
    std::map<Index, size_t> expected;
    std::vector<Index> order;
    // Few rows or many, from a small range (many repeats, long probe chains) or a large one.
    const Index count = 1 + static_cast<Index>(rng.uniform(0, step % 3 == 0 ? 2000 : 100));
    const Index range = step % 2 == 0 ? 3 * count : 1000000;
    for (Index k = 0; k < count; ++k) {
      const auto row = static_cast<Index>(rng.uniform(0, static_cast<double>(range)));
      const auto [it, added] = expected.emplace(row, order.size());
      if (added) order.push_back(row);
      REQUIRE(set.add(row) == it->second);
    }
    CHECK(set.rows() == order);
    for (const auto& [row, at] : expected) REQUIRE(set.find(row) == static_cast<int64_t>(at));
    for (Index probe = 0; probe < 50; ++probe) {
      const auto row = static_cast<Index>(rng.uniform(0, 2000000));
      REQUIRE(set.find(row) == (expected.count(row) ? static_cast<int64_t>(expected[row]) : -1));
    }
    set.clear();
    CHECK(set.rows().empty());
    for (const auto& [row, at] : expected) REQUIRE(set.find(row) == -1);
  }
}

TEST_CASE("RowGradients: each row's sum, zero again after clear, while its buffer grows") {
  RowGradients grads(3);
  for (int step = 0; step < 3; ++step) {
    // Every step adds 1, 2, 3 to row r's three values once per mention; rows mentioned twice sum twice.
    const Index rows = 10 + 400 * step;  // more rows each step: the buffer grows under rows written before
    for (Index r = 0; r < rows; ++r)
      for (int time = 0; time < 1 + static_cast<int>(r % 2); ++time) {
        Real* g = grads.add(5 * r);
        for (int c = 0; c < 3; ++c) g[c] += static_cast<Real>(c + 1);
      }
    REQUIRE(grads.rows().size() == static_cast<size_t>(rows));
    for (Index r = 0; r < rows; ++r) {
      const Real* g = grads.find(5 * r);
      REQUIRE(g != nullptr);
      CHECK(g == grads.at(static_cast<size_t>(r)));
      CHECK(g[2] == Real(3 * (1 + r % 2)));
    }
    CHECK(grads.find(5 * rows + 1) == nullptr);
    grads.clear();
  }
}
