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
// Multiply-adds from which a product (or a recurrent layer's time loop, all steps' recurrent products
// together) is split across threads. Measured on 2 cores (AMD EPYC VM): an MLP's 32x784x128 products and an
// LSTM's 64x128x512 step products gain; NeuMF's 256x64x32 products made its training 40% slower on two
// threads than on one (1.06M -> 0.67M samples/s), the fork, the join and the activations moving between the
// cores' caches costing more than the split saves.
constexpr double kParallelWork = 2.0e6;
// Values from which a memory-bound pass over a parameter (zeroing its gradient) is split: from 64k values
// (256 KB and more) two cores' bandwidth and, above all, each core keeping its share of the parameter in its
// own cache pay (the MLP: 136k -> 174k samples/s together with the depth split of its forward product).
constexpr Index kParallelValues = 65536;
// Values from which row-independent work is split: the gather of a batch's scattered rows (the MLP's
// 32 x 784: 183k -> 192k samples/s on two threads) and an optimizer's update (a square root and a division
// per value).
constexpr Index kParallelArithmetic = 16384;

// Every configured thread when the work is worth splitting and no split is running already (a piece's own
// products stay on its thread).
int threads_if(bool worth_splitting) {
#ifdef _OPENMP
  if (configured_threads > 1 && worth_splitting && !omp_in_parallel()) return configured_threads;
#else
  (void)worth_splitting;
#endif
  return 1;
}

}  // namespace

void use_threads(int threads) {
#ifdef _OPENMP
  // omp_get_max_threads() is every core unless OMP_NUM_THREADS says otherwise, as for any OpenMP program;
  // read before the first omp_set_num_threads(1) changes it.
  static const int every_core = omp_get_max_threads();
  if (threads <= 0) threads = every_core;
  // Products inside a piece run on its thread alone: OpenBLAS's OpenMP build and Eigen's own product both run
  // single-threaded inside a parallel region, and outside one they read this count.
  omp_set_num_threads(1);
#else
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
#endif
  Eigen::setNbThreads(1);
  configured_threads = threads;
}

int threads_in_use() {
  return configured_threads;
}

namespace detail {

int threads_for(double work) {
  return threads_if(work >= kParallelWork);
}

int threads_for_values(Index n) {
  return threads_if(n >= kParallelValues);
}

int threads_for_arithmetic(Index n) {
  return threads_if(n >= kParallelArithmetic);
}

Index piece_count(Index n, Index align, int threads) {
  const Index steps = (n + align - 1) / align;
  return std::max<Index>(1, std::min<Index>(threads, steps));
}

Index run_pieces(Index n, Index align, int threads, Piece piece, void* work) {
  // Contiguous pieces of whole `align` steps (vector width, cache lines); the last piece takes the remainder.
  const Index steps = (n + align - 1) / align;
  const Index pieces = piece_count(n, align, threads);
  const auto begin_of = [&](Index p) { return std::min(n, steps * p / pieces * align); };
#ifdef _OPENMP
#pragma omp parallel for num_threads(static_cast <int>(pieces)) schedule(static, 1)
#endif
  for (Index p = 0; p < pieces; ++p) {
    const Index begin = begin_of(p);
    const Index end = begin_of(p + 1);
    if (end > begin) piece(work, p, begin, end - begin);
  }
  return pieces;
}

}  // namespace detail

}  // namespace yamlnet
