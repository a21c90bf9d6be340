#pragma once
// A seeded generator with its own distributions, so the same seed gives the same numbers with any
// standard library (std::normal_distribution is implementation-defined).
#include <array>
#include <cstdint>
#include <string>

#include "interpreter/core/real.hpp"

namespace yamlnet {

class Random {
 public:
  explicit Random(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed);
  uint64_t next();   // xoshiro256**
  double uniform();  // [0, 1), 53 random bits
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double normal();       // standard normal (Box-Muller)
  Index below(Index n);  // uniform integer in [0, n), unbiased
  // A generator for a sub-task (a layer's initializer, an epoch's shuffle) that does not disturb this one's
  // stream.
  Random split(uint64_t salt) const;

  std::array<uint64_t, 4> state() const { return state_; }
  void set_state(const std::array<uint64_t, 4>& s) { state_ = s; }

 private:
  std::array<uint64_t, 4> state_{};
};

// FNV-1a of a name: each parameter's stream is the model seed mixed with its name, so adding a layer does not
// change the others' initial values.
uint64_t fnv1a(const std::string& text);

}  // namespace yamlnet
