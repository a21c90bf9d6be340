// yamlnet side of the recurrent benchmark: forward + backward of one LSTM / GRU layer on random batches,
// the same shapes as torch_rnn.py. Usage: yamlnet_rnn_bench CELL BATCH STEPS FEATURES UNITS ITERATIONS
// Prints samples per second.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/graph/model.hpp"

using namespace yamlnet;

int main(int argc, char** argv) {
  // Whole positive numbers only (std::stol would throw, uncaught, on anything else).
  const auto number = [](const char* text) {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return *text != '\0' && *end == '\0' && value > 0 ? value : -1L;
  };
  bool numbers = argc == 7;
  for (int i = 2; numbers && i < 7; ++i) numbers = number(argv[i]) > 0;
  if (!numbers) {
    std::fprintf(stderr, "usage: %s lstm|gru BATCH STEPS FEATURES UNITS ITERATIONS\n", argv[0]);
    return 2;
  }
  const std::string cell = argv[1] == std::string("gru") ? "GRU" : "LSTM";
  const Index batch = number(argv[2]), steps = number(argv[3]), features = number(argv[4]);
  const Index units = number(argv[5]);
  const int iterations = static_cast<int>(number(argv[6]));
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
