// Weights JSON speed on a 10M-parameter model (Dense 3162 -> 3162): MB/s of writing (weights_to_json +
// atomic save) and reading (parse + load), and a check that the round trip is byte-identical.
// Usage: yamlnet_weights_io_bench DIR   (prints: parameters, file MB, write MB/s, read MB/s, identical)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/weights.hpp"

using namespace yamlnet;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::string config = "inputs: {x: {shape: [3162]}}\nlayers: [{type: Dense, units: 3162}]\n";
  Model model(parse_model_spec(config, "weights_io.yaml"));
  model.initialize(1);
  const std::string first = dir + "/a.weights.json", second = dir + "/b.weights.json";
  auto start = std::chrono::steady_clock::now();
  save_weights(model, first);
  const double write_s = seconds_since(start);
  const double mb = static_cast<double>(slurp(first).size()) / 1e6;
  Model other(parse_model_spec(config, "weights_io.yaml"));
  start = std::chrono::steady_clock::now();
  load_weights(other, first);
  const double read_s = seconds_since(start);
  save_weights(other, second);
  const bool identical = slurp(first) == slurp(second);
  std::printf("%lld %.1f %.1f %.1f %s\n", static_cast<long long>(model.count_params(true)), mb, mb / write_s,
              mb / read_s, identical ? "identical" : "DIFFERENT");
  return identical ? 0 : 1;
}
