#include "interpreter/train/candidate_sampler.hpp"

#include <algorithm>
#include <cmath>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

CandidateSampler::CandidateSampler(Kind kind, Index first_id, Index end_id, double distortion)
    : kind_(kind), first_(first_id), end_(end_id), distortion_(distortion) {
  taken_.assign(static_cast<size_t>(std::max<Index>(end_ - first_, 0)), 0);
}

void CandidateSampler::set_counts(const std::vector<double>& counts) {
  const Index range = end_ - first_;
  probability_.assign(static_cast<size_t>(range), 0.0);
  double total = 0;
  for (Index k = 0; k < range; ++k) {
    const auto id = static_cast<size_t>(first_ + k);
    const double c = id < counts.size() ? counts[id] : 0.0;
    probability_[k] = c > 0 ? std::pow(c, distortion_) : 0.0;
    total += probability_[k];
  }
  if (total <= 0) throw TrainingError("the frequency sampler saw no training targets to count");
  cdf_.resize(static_cast<size_t>(range));
  double running = 0;
  for (Index k = 0; k < range; ++k) {
    probability_[k] /= total;
    running += probability_[k];
    cdf_[k] = running;
  }
}

Index CandidateSampler::drawable() const {
  if (kind_ != Kind::Frequency || probability_.empty()) return end_ - first_;
  return static_cast<Index>(
      std::count_if(probability_.begin(), probability_.end(), [](double p) { return p > 0; }));
}

double CandidateSampler::probability(Index id) const {
  if (id < first_ || id >= end_) return 0.0;
  const double range = static_cast<double>(end_ - first_);
  const double k = static_cast<double>(id - first_);
  switch (kind_) {
    case Kind::Uniform:
      return 1.0 / range;
    case Kind::LogUniform:
      return (std::log(k + 2.0) - std::log(k + 1.0)) / std::log(range + 1.0);
    case Kind::Frequency:
      return probability_[static_cast<size_t>(id - first_)];
  }
  return 0.0;
}

Index CandidateSampler::draw(Random& rng) const {
  const Index range = end_ - first_;
  switch (kind_) {
    case Kind::Uniform:
      return first_ + rng.below(range);
    case Kind::LogUniform: {
      // Inverse of the CDF log(k + 1) / log(range + 1).
      const auto k =
          static_cast<Index>(std::exp(rng.uniform() * std::log(static_cast<double>(range) + 1.0))) - 1;
      return first_ + std::clamp<Index>(k, 0, range - 1);
    }
    case Kind::Frequency: {
      const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), rng.uniform() * cdf_.back());
      return first_ + std::min<Index>(static_cast<Index>(it - cdf_.begin()), range - 1);
    }
  }
  return first_;
}

Index CandidateSampler::sample_unique(Index n, Random& rng, std::vector<Index>& out) {
  out.clear();
  Index tries = 0;
  while (static_cast<Index>(out.size()) < n) {
    const Index id = draw(rng);
    ++tries;
    unsigned char& seen = taken_[static_cast<size_t>(id - first_)];
    if (seen) continue;
    seen = 1;
    out.push_back(id);
  }
  for (Index id : out) taken_[static_cast<size_t>(id - first_)] = 0;
  return tries;
}

double CandidateSampler::expected_count(Index id, Index n, Index tries) const {
  const double p = probability(id);
  if (tries == n) return p * static_cast<double>(n);
  return -std::expm1(static_cast<double>(tries) * std::log1p(-p));
}

}  // namespace yamlnet
