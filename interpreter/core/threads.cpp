#include "interpreter/core/threads.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <thread>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace yamlnet {

namespace {

int configured_threads = 1;
// Multiply-adds from which a product is split across threads (see ProductThreads).
constexpr double kParallelWork = 2.0e6;

// Eigen's own product reads Eigen::nbThreads(); OpenBLAS's OpenMP build (EIGEN_USE_BLAS) reads
// omp_get_max_threads() at every call. Both are set, so the rule holds whichever path the build takes.
void set_product_threads(int threads) {
  Eigen::setNbThreads(threads);
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
}

}  // namespace

void use_threads(int threads) {
#ifdef _OPENMP
  // omp_get_max_threads() is every core unless OMP_NUM_THREADS says otherwise, as for any OpenMP program;
  // read before the first set_product_threads(1) changes it.
  static const int every_core = omp_get_max_threads();
  if (threads <= 0) threads = every_core;
#else
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
#endif
  configured_threads = threads;
  set_product_threads(1);
}

int threads_in_use() {
  return configured_threads;
}

ProductThreads::ProductThreads(long rows, long depth, long cols)
    : parallel_(configured_threads > 1 &&
                static_cast<double>(rows) * static_cast<double>(depth) * static_cast<double>(cols) >=
                    kParallelWork) {
  if (parallel_) set_product_threads(configured_threads);
}

ProductThreads::~ProductThreads() {
  if (parallel_) set_product_threads(1);
}

}  // namespace yamlnet
