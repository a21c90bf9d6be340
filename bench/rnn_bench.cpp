// yamlnet side of the recurrent benchmark: forward + backward of one LSTM / GRU layer on random batches,
// the same shapes as torch_rnn.py. Usage: yamlnet_rnn_bench CELL BATCH STEPS FEATURES UNITS ITERATIONS
// Prints samples per second.
#include <chrono>
#include <cstdio>
#include <string>

#include "interpreter/graph/model.hpp"

using namespace yamlnet;

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s lstm|gru BATCH STEPS FEATURES UNITS ITERATIONS\n", argv[0]);
    return 2;
  }
  const std::string cell = argv[1] == std::string("gru") ? "GRU" : "LSTM";
  const Index batch = std::stol(argv[2]), steps = std::stol(argv[3]), features = std::stol(argv[4]);
  const Index units = std::stol(argv[5]);
  const int iterations = std::stoi(argv[6]);
  const std::string config = "inputs: {x: {shape: [" + std::to_string(steps) + ", " +
                             std::to_string(features) + "]}}\nlayers: [{type: " + cell +
                             ", units: " + std::to_string(units) + "}]\n";
  Model model(parse_model_spec(config, "bench.yaml"));
  model.initialize(0);
  Random rng(1);
  Tensor& x = model.input_buffer(0);
  x.resize({batch, steps, features});
  for (auto& v : x.data) v = static_cast<Real>(rng.uniform());
  auto step = [&] {
    model.forward(RunContext{Mode::Training, &rng});
    model.zero_grads();
    model.output_grad(0).array() += Real(1);
    model.backward();
  };
  for (int i = 0; i < 3; ++i) step();  // warm-up
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) step();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f\n", static_cast<double>(batch * iterations) / elapsed);
  return 0;
}
