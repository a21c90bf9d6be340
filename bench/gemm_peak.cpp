// The machine's matrix-product peak on the path yamlnet's layers use (split_product over Eigen's GEMM, float,
// this build's flags and OpenMP threads), for the benchmark's "share of peak" column. Usage:
// yamlnet_gemm_peak THREADS [SIZE] Prints GFLOP/s of the best of several SIZE x SIZE products.
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "interpreter/core/threads.hpp"

int main(int argc, char** argv) {
  // Whole non-negative numbers only (std::stoi would throw, uncaught, on "--help").
  const auto number = [](const char* text) {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return *text != '\0' && *end == '\0' && value >= 0 ? value : -1L;
  };
  if (argc < 2 || argc > 3 || number(argv[1]) < 0 || (argc > 2 && number(argv[2]) < 1)) {
    std::fprintf(stderr, "usage: %s THREADS [SIZE]\n", argv[0]);
    return 2;
  }
  yamlnet::use_threads(static_cast<int>(number(argv[1])));
  const Eigen::Index n = argc > 2 ? number(argv[2]) : 1536;
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n), b = Eigen::MatrixXf::Random(n, n), c(n, n);
  // The layers' path: split_product's blocks, each a single-threaded product through Eigen (and OpenBLAS).
  const auto product = [&] {
    yamlnet::split_product(n, n, n, [&](Eigen::Index r, Eigen::Index nr, Eigen::Index col, Eigen::Index nc) {
      c.block(r, col, nr, nc).noalias() = a.middleRows(r, nr) * b.middleCols(col, nc);
    });
  };
  product();  // warm-up: page in, spin up the threads
  double best = 1e30;
  for (int rep = 0; rep < 7; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    product();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf("%.1f\n",
              2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best / 1e9);
  return c(0, 0) == 12345.0f;  // keeps the product observable
}
