#include "interpreter/core/collective.hpp"

#include <algorithm>

namespace yamlnet {

std::pair<int64_t, int64_t> Collective::share(int64_t total) const {
  const int64_t n = size(), r = rank();
  const int64_t base = total / n, extra = total % n;
  const int64_t begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

std::string Collective::position() const {
  if (epoch_ == 0) return "the start (before the first step)";
  if (step_ == 0) return "the end of epoch " + std::to_string(epoch_);
  return "epoch " + std::to_string(epoch_) + ", step " + std::to_string(step_);
}

}  // namespace yamlnet
