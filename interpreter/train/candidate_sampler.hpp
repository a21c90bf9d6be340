#pragma once
// TensorFlow's candidate samplers for sampled softmax: uniform, log_uniform (Zipfian over ids, for ids
// numbered by decreasing frequency) and a fixed unigram ("frequency") distribution with a distortion
// exponent, drawn without repetition (TF's unique=True), with TF's expected-count rule for the log-Q
// correction.
#include <vector>

#include "interpreter/core/random.hpp"
#include "interpreter/core/real.hpp"

namespace yamlnet {

class CandidateSampler {
 public:
  enum class Kind { Uniform, LogUniform, Frequency };
  // Candidates are the ids [first_id, end_id); ids below first_id (padding) are never drawn.
  CandidateSampler(Kind kind, Index first_id, Index end_id, double distortion = 1.0);

  // Frequency sampler: occurrences per id (indexed by id; ids past the end count 0).
  void set_counts(const std::vector<double>& counts);
  bool ready() const { return kind_ != Kind::Frequency || !cdf_.empty(); }
  // Ids that can be drawn at all (a frequency sampler never draws an id never seen).
  Index drawable() const;

  double probability(Index id) const;
  // Fills `out` with `n` distinct ids; returns how many draws that took (TF's num_tries).
  Index sample_unique(Index n, Random& rng, std::vector<Index>& out);
  // The expected number of times `id` appears in a sample of n distinct ids that took `tries` draws:
  // n * p without repetitions, 1 - (1 - p)^tries otherwise (TF's ExpectedCountHelper).
  double expected_count(Index id, Index n, Index tries) const;

 private:
  Index draw(Random& rng) const;

  Kind kind_;
  Index first_, end_;
  double distortion_;
  std::vector<double> cdf_, probability_;  // frequency sampler, over [first_, end_)
  std::vector<unsigned char> taken_;       // scratch for unique draws
};

}  // namespace yamlnet
