#include "interpreter/core/threads.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

#include "interpreter/core/worker_pool.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace yamlnet {

namespace {

int configured_threads = 1;
// The pool for configured_threads, looked up once in use_threads: a split is on the hot path of every
// training step and takes no lock.
WorkerPool* configured_pool = nullptr;
// Multiply-adds from which a product (or a recurrent layer's time loop, all steps' recurrent products
// together) is split across threads. Measured on 2 cores (AMD EPYC VM): an MLP's 32x784x128 products and an
// LSTM's 64x128x512 step products gain; NeuMF's 256x64x32 products made its training 40% slower on two
// threads than on one (1.06M -> 0.67M samples/s), the fork, the join and the activations moving between the
// cores' caches costing more than the split saves.
constexpr double kParallelWork = 2.0e6;
// Values from which a pass over a parameter (zeroing its gradient, an optimizer's update) is split: from 64k
// values (256 KB and more) two cores' bandwidth and, above all, each core keeping its share of the parameter
// in its own cache pay (the MLP: 136k -> 174k samples/s together with the depth split of its forward
// product). Updates were split from 16k values until 2026-12-05: Adam's update of NeuMF's and YouTube-DNN's
// 1683 x 32 item tables (~20 us on one core) then ran slower on two threads than on one (NeuMF 1.16M ->
// 0.94M samples/s idle), and lost a further 20% while another process kept one core busy.
constexpr Index kParallelValues = 65536;
// Values from which row-independent work is split: the gather of a batch's scattered rows (the MLP's
// 32 x 784: 183k -> 192k samples/s on two threads).
constexpr Index kParallelArithmetic = 16384;

// Every configured thread when the work is worth splitting and no split is running already (a piece's own
// products stay on its thread).
int threads_if(bool worth_splitting) {
  if (configured_threads > 1 && worth_splitting && !WorkerPool::inside_piece()) return configured_threads;
  return 1;
}

// OMP_NUM_THREADS when it is a positive number (as for any OpenMP program), else what the process may use
// (its share, when mpirun started several processes on this machine).
int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && n > 0 && n <= 1024) return static_cast<int>(n);
  }
  // Processes that mpirun started on this machine share its cores: one thread each per share, not every
  // core each (which would run 2 x 2 threads on 2 cores).
  int processes_here = 1;
  if (const char* env = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE"))
    processes_here = std::max(1, std::atoi(env));
  return std::max(1, usable_cpus() / processes_here);
}

}  // namespace

void keep_products_on_calling_thread() {
#ifdef _OPENMP
  if (omp_get_max_threads() != 1) omp_set_num_threads(1);
#endif
}

void use_threads(int threads) {
  if (threads <= 0) threads = default_threads();
#ifdef _OPENMP
  // Products run single-threaded on the thread that calls them: OpenBLAS's OpenMP build reads this count.
  omp_set_num_threads(1);
#endif
  Eigen::setNbThreads(1);
  configured_threads = std::min(threads, WorkerPool::kMaxThreads);
  // Started now, not in the middle of a training step.
  configured_pool = configured_threads > 1 ? &WorkerPool::instance(configured_threads) : nullptr;
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
  // Piece p is always the same range, whichever thread runs it, so results do not depend on scheduling.
  struct Split {
    Index n, steps, pieces, align;
    Piece piece;
    void* work;
    Index begin_of(Index p) const { return std::min(n, steps * p / pieces * align); }
  } split{n, (n + align - 1) / align, piece_count(n, align, threads), align, piece, work};
  const auto run_one = [](void* w, Index p) {
    const Split& s = *static_cast<const Split*>(w);
    const Index begin = s.begin_of(p), end = s.begin_of(p + 1);
    if (end > begin) s.piece(s.work, p, begin, end - begin);
  };
  if (split.pieces > 1 && configured_pool)
    configured_pool->run(split.pieces, run_one, &split);
  else
    for (Index p = 0; p < split.pieces; ++p) run_one(&split, p);
  return split.pieces;
}

}  // namespace detail

}  // namespace yamlnet
