// The memory part of a NeuMF step alone, at ML-100k's and at MovieLens-20M's table sizes: how much a sample's
// table rows cost more when the tables no longer fit the caches, with nothing else in the way. Each sample
// looks up its user's and item's rows in NeuMF's four tables (widths 8 and 32) and then updates them as lazy
// Adam does (weights and two moments; the gradient a stand-in made from the looked-up values, as if kept per
// batch rather than in a table). Rows are fetched four ahead, as yamlnet's lookups and row updates do (or as
// asked). Users are drawn uniformly, items as NeuMF's rows are: one positive in five from a Zipf popularity,
// four uniform negatives.
//
// Usage: yamlnet_row_traffic [steps] [batch] [rows fetched ahead: 4; 0 for none] [1: with a gradient table]
//
// Prints ns per sample for each size and their difference: the least a 20M epoch must cost more per sample
// than a 100k one for this work (docs/benchmarks.md compares it with the step's time).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "interpreter/core/prefetch.hpp"
#include "interpreter/core/random.hpp"
#include "interpreter/core/tensor.hpp"

namespace {

using yamlnet::Index;
using yamlnet::Real;
using yamlnet::RealBuffer;

struct Table {
  Index width;
  RealBuffer w, m, v, g;  // g: a gradient table, when asked for
  Table(Index rows, Index width, bool grad_table)
      : width(width),
        w(static_cast<size_t>(rows * width), Real(0.01)),
        m(static_cast<size_t>(rows * width), Real(0)),
        v(static_cast<size_t>(rows * width), Real(0)),
        g(grad_table ? static_cast<size_t>(rows * width) : 0, Real(0)) {}
  Real* row(RealBuffer& b, Index r) { return b.data() + r * width; }
};

// One NeuMF-sized model: tables 0-1 by user, 2-3 by item; a sample's looked-up values side by side.
constexpr Index kSampleValues = 8 + 32 + 8 + 32;
struct Tables {
  std::vector<Table> t;
  Tables(Index users, Index items, bool grad_table) {
    t.emplace_back(users, 8, grad_table);
    t.emplace_back(users, 32, grad_table);
    t.emplace_back(items, 8, grad_table);
    t.emplace_back(items, 32, grad_table);
  }
};

// Table k's row for sample s of a step's ids (user, item pairs): tables 0-1 are looked up by user.
Index row_of(const Index* ids, Index s, size_t k) {
  return ids[2 * s + (k < 2 ? 0 : 1)];
}

// What stands in for a looked-up value's gradient: 0.01 or 0.02 by its sign. Read from the lookup, and never
// near zero, where moments decaying into subnormal numbers would time the floating-point unit's slow path
// instead of the memory.
Real stand_in_gradient(Real looked_up) {
  return looked_up > 0 ? Real(0.02) : Real(0.01);
}

// Item ids with a Zipf(1) popularity, by inverting the cumulative weights.
struct Zipf {
  std::vector<double> cumulative;
  explicit Zipf(Index items) {
    double sum = 0;
    for (Index i = 1; i <= items; ++i) cumulative.push_back(sum += 1.0 / static_cast<double>(i));
    for (double& c : cumulative) c /= sum;
  }
  Index draw(yamlnet::Random& rng) const {
    const double u = rng.uniform();
    Index lo = 0, hi = static_cast<Index>(cumulative.size()) - 1;
    while (lo < hi) {
      const Index mid = (lo + hi) / 2;
      if (cumulative[static_cast<size_t>(mid)] < u)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }
};

double ns_per_sample(Index users, Index items, int steps, Index batch, Index ahead_rows, bool grad_table) {
  Tables tables(users, items, grad_table);
  const Zipf zipf(items);
  yamlnet::Random rng(42);
  // The ids of every step drawn first: only the tables' traffic is timed.
  std::vector<Index> ids(static_cast<size_t>(steps * batch * 2));
  for (size_t s = 0; s < ids.size(); s += 2) {
    ids[s] = rng.below(users);
    ids[s + 1] = (s / 2) % 5 == 0 ? zipf.draw(rng) : rng.below(items);
  }
  std::vector<Real> gathered(static_cast<size_t>(batch * kSampleValues));
  const auto start = std::chrono::steady_clock::now();
  for (int step = 0; step < steps; ++step) {
    const Index* id = ids.data() + static_cast<size_t>(step) * static_cast<size_t>(batch) * 2;
    Index column = 0;
    for (size_t k = 0; k < tables.t.size(); ++k) {
      Table& table = tables.t[k];
      // Lookups, fetched ahead.
      for (Index s = 0; s < batch; ++s) {
        if (s + ahead_rows < batch)
          yamlnet::prefetch_row<false>(table.row(table.w, row_of(id, s + ahead_rows, k)), table.width);
        const Real* from = table.row(table.w, row_of(id, s, k));
        for (Index j = 0; j < table.width; ++j)
          gathered[static_cast<size_t>(s * kSampleValues + column + j)] = from[j];
      }
      // With a gradient table, as yamlnet keeps one today: the backward pass adds each sample's gradient
      // into its row (fetched ahead), the update reads it, and the next step zeroes the rows it touched.
      if (grad_table)
        for (Index s = 0; s < batch; ++s) {
          if (s + ahead_rows < batch)
            yamlnet::prefetch_row<true>(table.row(table.g, row_of(id, s + ahead_rows, k)), table.width);
          Real* into = table.row(table.g, row_of(id, s, k));
          const Real* looked_up = gathered.data() + s * kSampleValues + column;
          for (Index j = 0; j < table.width; ++j) into[j] += stand_in_gradient(looked_up[j]);
        }
      // Lazy Adam's row updates, fetched ahead.
      for (Index s = 0; s < batch; ++s) {
        if (s + ahead_rows < batch) {
          const Index ahead = row_of(id, s + ahead_rows, k);
          yamlnet::prefetch_row<true>(table.row(table.w, ahead), table.width);
          yamlnet::prefetch_row<true>(table.row(table.m, ahead), table.width);
          yamlnet::prefetch_row<true>(table.row(table.v, ahead), table.width);
          if (grad_table) yamlnet::prefetch_row<false>(table.row(table.g, ahead), table.width);
        }
        const Index r = row_of(id, s, k);
        Real *w = table.row(table.w, r), *m = table.row(table.m, r), *v = table.row(table.v, r);
        const Real* looked_up = gathered.data() + s * kSampleValues + column;
        const Real* from_table = grad_table ? table.row(table.g, r) : nullptr;
        for (Index j = 0; j < table.width; ++j) {
          const Real g = from_table ? from_table[j] : stand_in_gradient(looked_up[j]);
          m[j] += (g - m[j]) * Real(0.1);
          v[j] += (g * g - v[j]) * Real(0.001);
          w[j] -= Real(1e-3) * m[j] / (std::sqrt(v[j]) + Real(1e-7));
        }
      }
      column += table.width;
    }
    if (grad_table)  // zero_grad, before the next step's backward pass
      for (size_t k = 0; k < tables.t.size(); ++k)
        for (Index s = 0; s < batch; ++s)
          std::fill_n(tables.t[k].row(tables.t[k].g, row_of(id, s, k)), tables.t[k].width, Real(0));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return seconds * 1e9 / (static_cast<double>(steps) * static_cast<double>(batch));
}

}  // namespace

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 20000;
  const Index batch = argc > 2 ? std::atol(argv[2]) : 256;
  const Index ahead = argc > 3 ? std::atol(argv[3]) : yamlnet::kRowsAhead;
  const bool grad_table = argc > 4 && std::atoi(argv[4]) != 0;
  if (steps <= 0 || batch <= 0 || ahead < 0) {
    std::fprintf(stderr,
                 "usage: yamlnet_row_traffic [steps > 0] [batch > 0] [rows fetched ahead >= 0] [gradient "
                 "table: 0 or 1]\n");
    return 2;
  }
  // Best of three: the least the work can take on this machine.
  double small = 1e30, large = 1e30;
  for (int round = 0; round < 3; ++round) {
    small = std::min(small, ns_per_sample(944, 1683, steps, batch, ahead, grad_table));
    large = std::min(large, ns_per_sample(138495, 26746, steps, batch, ahead, grad_table));
  }
  std::printf("ns per sample: 100k tables %.1f, 20m tables %.1f, difference %.1f\n", small, large,
              large - small);
  return 0;
}
