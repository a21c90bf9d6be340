#pragma once
// Compares two weights files tensor by tensor (what `yamlnet diff` prints), and summarises one file per
// tensor (`yamlnet weights-summary`, the git textconv that keeps `git diff` of large weights readable).
#include <string>
#include <utility>
#include <vector>

#include "interpreter/io/weights.hpp"

namespace yamlnet {

struct DiffTolerance {
  double atol = 0, rtol = 0;  // an entry changed when |b - a| > atol + rtol * |a| (numpy's isclose)
  Index top = 0;              // for 2-D tensors, the rows that moved most
};

struct TensorDiff {
  std::string name;
  Shape shape_a, shape_b;
  bool in_a = true, in_b = true;
  double max_abs = 0, mean_abs = 0, relative_l2 = 0;  // relative_l2 = |b - a| / |a| (|b - a| when a is 0)
  Index changed = 0, size = 0;
  std::vector<std::pair<Index, double>> top_rows;  // (row, L2 of the row's change), largest first
  bool differs() const { return !in_a || !in_b || shape_a != shape_b || changed > 0; }
};

struct WeightsDiff {
  std::vector<TensorDiff> tensors;  // A's order, then tensors only in B
  bool differs() const;
};

WeightsDiff diff_weights(const WeightsFile& a, const WeightsFile& b, const DiffTolerance& tolerance);
std::string format_weights_diff(const WeightsDiff& diff, const DiffTolerance& tolerance);

// One line per tensor: shape, mean, std, min, max, L2 norm and a short hash of the values.
std::string weights_summary(const WeightsFile& file);

}  // namespace yamlnet
