#pragma once
// The trials of a sweep: every combination of the --grid values, and for each -n draws of the --random
// distributions (seeded, so a sweep and its resumption plan the same trials). Each trial is a list of
// --set overrides.
#include <cstdint>
#include <string>
#include <vector>

namespace yamlnet {

struct GridAxis {
  std::string key;
  std::vector<std::string> values;
};

// int(a,b): an integer in [a, b]; uniform(a,b): a number in [a, b); log(a,b): log-uniform in [a, b) (learning
// rates); choice(x,y,...): one of the values.
struct RandomAxis {
  std::string key, kind;
  double low = 0, high = 0;
  std::vector<std::string> choices;
};

// `key=v1,v2,...` (commas inside [] or {} belong to the value). UsageError naming the option otherwise.
GridAxis parse_grid_axis(const std::string& text);
// `key=int(32,256)` and the other kinds above. UsageError naming the option otherwise.
RandomAxis parse_random_axis(const std::string& text);

// The grid's combinations (first axis slowest) times `n` random draws each (n is 1 without random axes).
std::vector<std::vector<std::string>> plan_trials(const std::vector<GridAxis>& grid,
                                                  const std::vector<RandomAxis>& random, int n,
                                                  std::uint64_t seed);

}  // namespace yamlnet
