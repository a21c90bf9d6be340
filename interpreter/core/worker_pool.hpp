#pragma once
// The threads that run the pieces of a split (threads.hpp). Why not OpenMP's pool: libgomp's waiting threads
// spin for a long time, and its static schedule waits for every thread's piece. On a machine where another
// process keeps one core busy, a two-thread run of the MLP fell from ~240k to ~7k samples/s: each step waited
// for a worker that the kernel had descheduled. Here:
// - a waiting worker spins briefly (kSpin in worker_pool.cpp) and then sleeps on a futex, burning no core;
// - the caller runs piece 0 and then takes any piece no worker has started (a late worker's piece is done by
//   whoever gets to it first; each piece is the same range whichever thread runs it, so results stay
//   byte-identical);
// - when workers keep arriving late (another process holds their core), the pool runs splits on the calling
//   thread alone for a while, then tries its workers again.
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "interpreter/core/real.hpp"

namespace yamlnet {

class WorkerPool {
 public:
  using Piece = void (*)(void* work, Index index);
  // The most threads, and pieces of one split (the claim mask's width).
  static constexpr int kMaxThreads = 32;

  // The process's pool with `threads` - 1 workers, started on first use and kept until exit (the reference
  // stays valid).
  static WorkerPool& instance(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls piece(work, p) for p in [0, pieces), each exactly once, and returns when all are done; pieces is
  // at most kMaxThreads. Piece p prefers thread p (the caller is thread 0).
  void run(Index pieces, Piece piece, void* work);
  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  // Whether the calling thread is running a piece (a piece's own splits then run on its thread alone).
  static bool inside_piece();
  // Splits run on the calling thread alone until this many more have run (workers were late); for tests.
  int64_t solo_runs_left() const { return solo_left_; }

 private:
  explicit WorkerPool(int threads);
  void worker_loop(int index);
  // Claims and runs pieces of the current job, piece `first` if it is free, then any other.
  void run_claimed(int first);
  void note_lateness(double own_seconds, double wait_seconds);

  std::vector<std::thread> workers_;
  // The current job. Written by the caller before `generation_` moves on, read by workers after.
  Piece piece_ = nullptr;
  void* work_ = nullptr;
  Index pieces_ = 0;
  // generation (26 bits) | piece count (6 bits) | claimed-piece mask (32 bits); see worker_pool.cpp.
  std::atomic<uint64_t> word_{0};
  std::atomic<uint32_t> generation_{0};  // bumped once per job; workers sleep on it (a futex-sized word)
  std::atomic<int> unfinished_{0};       // pieces not yet done; the caller waits on it
  std::atomic<int> sleepers_{0};         // workers asleep on generation_
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> started_{0};  // workers past their setup
  // Lateness bookkeeping (caller only): recent splits where the caller waited far longer than its own share.
  int late_in_window_ = 0, runs_in_window_ = 0;
  // Splits' time since the last look at it, and how much of it went to waiting for late workers.
  double span_seconds_ = 0, lost_seconds_ = 0;
  int64_t solo_left_ = 0, solo_length_ = 0;
};

// Threads this process may really use: the CPU affinity mask, and the cgroup CPU quota (cgroup v2 cpu.max
// or v1 cfs_quota_us / cfs_period_us, rounded up), whichever is smaller; at least 1.
int usable_cpus();

}  // namespace yamlnet
