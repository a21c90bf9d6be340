#include "interpreter/core/collective.hpp"

#include <algorithm>
#include <limits>

namespace yamlnet {

std::pair<int64_t, int64_t> share_of(int64_t total, int parts, int part) {
  const int64_t n = parts, r = part;
  const int64_t base = total / n, extra = total % n;
  const int64_t begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

int owner_of_row(int64_t total, int parts, int64_t row) {
  const int64_t base = total / parts, extra = total % parts;
  // The first `extra` parts take base + 1 rows each.
  const int64_t in_larger = extra * (base + 1);
  return static_cast<int>(row < in_larger ? row / (base + 1) : extra + (row - in_larger) / base);
}

int message_count(size_t values, const char* what) {
  constexpr auto kMost = static_cast<size_t>(std::numeric_limits<int>::max());
  if (values > kMost)
    throw TrainingError(std::string(what) + ": " + std::to_string(values) +
                        " values are more than one MPI message can carry (" + std::to_string(kMost) +
                        "); use more processes or a smaller table");
  return static_cast<int>(values);
}

std::string Collective::position() const {
  if (epoch_ == 0) return "the start (before the first step)";
  if (step_ == 0) return "the end of epoch " + std::to_string(epoch_);
  return "epoch " + std::to_string(epoch_) + ", step " + std::to_string(step_);
}

}  // namespace yamlnet
