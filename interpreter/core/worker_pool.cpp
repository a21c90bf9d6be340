#include "interpreter/core/worker_pool.hpp"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cmath>
#include <fstream>
#include <mutex>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace yamlnet {

namespace {

using Clock = std::chrono::steady_clock;

// How long a waiting thread spins before it sleeps. Between the splits of one training step the caller
// does a few microseconds of serial work, so a short spin catches the next split without a futex wake-up
// (~5-10 us); anything longer would burn a core that another process may need.
constexpr auto kSpin = std::chrono::microseconds(50);
// A split is "late" when the caller, done with its own pieces, then waited more than its own time plus this.
constexpr double kLateSlackSeconds = 50e-6;
// Out of a window of kWindow splits, kLateLimit late ones send the pool solo for a while; so do splits that,
// over kLostSpanSeconds of their time, lost more than kLostShare of it waiting for late workers beyond the
// slack. (A worker descheduled in the middle of its piece costs the caller a whole time slice, milliseconds
// against a split's tens of microseconds: a few such splits lose much of the time without reaching the
// count. With one core busy, this took the mlp's two threads from 0.75x to 0.95x of one thread's speed; the
// span is long enough that an idle machine's rare hiccup does not reach the share.)
constexpr int kWindow = 32, kLateLimit = 4;
constexpr double kLostSpanSeconds = 0.02, kLostShare = 0.1;
constexpr int64_t kFirstSoloRuns = 1024, kLongestSoloRuns = 1 << 18;

thread_local bool running_piece = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// The claim word: generation (26 bits) | piece count (6 bits) | claimed-piece mask (32 bits). A thread that
// claims piece p with a compare-and-swap on the whole word can only succeed for the job that is current, so a
// worker that wakes late never runs a piece of a job that has moved on.
constexpr uint64_t make_word(uint64_t generation, uint64_t pieces, uint64_t mask) {
  return (generation << 38) | (pieces << 32) | mask;
}
constexpr uint64_t word_generation(uint64_t w) {
  return w >> 38;
}
constexpr int word_pieces(uint64_t w) {
  return static_cast<int>((w >> 32) & 63);
}
constexpr uint64_t word_mask(uint64_t w) {
  return w & 0xffffffffull;
}

// Sleeps while `word` still holds `expected` (FUTEX_WAIT compares and sleeps atomically, so a change made
// before the call is never slept through). Raw futexes rather than std::atomic::wait: GCC 12's libstdc++ was
// seen to miss a notify_all here, leaving a worker asleep through the destructor's join.
template <class T>
void futex_wait(std::atomic<T>& word, T expected) {
  static_assert(sizeof(T) == 4 && sizeof(std::atomic<T>) == 4);
  syscall(SYS_futex, reinterpret_cast<T*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}
template <class T>
void futex_wake_all(std::atomic<T>& word) {
  syscall(SYS_futex, reinterpret_cast<T*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

struct PieceScope {
  PieceScope() { running_piece = true; }
  ~PieceScope() { running_piece = false; }
};

}  // namespace

WorkerPool& WorkerPool::instance(int threads) {
  // One pool per thread count, kept until exit: a caller may hold the reference (threads.cpp keeps a pointer
  // so that a split takes no lock), and a count used once is usually used again. Idle pools sleep.
  static std::mutex mutex;
  static std::array<std::unique_ptr<WorkerPool>, kMaxThreads + 1> pools;
  threads = std::clamp(threads, 1, kMaxThreads);
  std::lock_guard<std::mutex> lock(mutex);
  if (!pools[threads]) pools[threads].reset(new WorkerPool(threads));
  return *pools[threads];
}

WorkerPool::WorkerPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
  // Return once every worker has set itself up (libgomp allocates its per-thread state then): a worker that
  // a busy machine starts late must not allocate in the middle of someone's training step.
  while (started_.load() < static_cast<int>(workers_.size())) std::this_thread::yield();
}

WorkerPool::~WorkerPool() {
  stopping_.store(true);
  generation_.fetch_add(1);
  futex_wake_all(generation_);
  for (auto& t : workers_) t.join();
}

bool WorkerPool::inside_piece() {
  return running_piece;
}

void WorkerPool::run_claimed(int first) {
  std::atomic<uint64_t>& word = word_;
  uint64_t w = word.load(std::memory_order_acquire);
  const uint64_t generation = word_generation(w);
  for (;;) {
    if (word_generation(w) != generation) return;
    const int pieces = word_pieces(w);
    const uint64_t all = (1ull << pieces) - 1;
    const uint64_t free = all & ~word_mask(w);
    if (free == 0) return;
    const int p = (first < pieces && (free >> first) & 1) ? first : __builtin_ctzll(free);
    if (!word.compare_exchange_weak(w, w | (1ull << p), std::memory_order_acq_rel, std::memory_order_acquire))
      continue;
    {
      // The job cannot change while piece p is unfinished, so piece_ and work_ are this job's.
      PieceScope scope;
      piece_(work_, p);
    }
    if (unfinished_.fetch_sub(1) == 1 && caller_sleeping_.load()) futex_wake_all(unfinished_);
    w = word.load(std::memory_order_acquire);
  }
}

void WorkerPool::worker_loop(int index) {
#ifdef _OPENMP
  // BLAS calls inside a piece run on this thread alone (OpenBLAS's OpenMP build reads this thread's count).
  omp_set_num_threads(1);
#endif
  started_.fetch_add(1);
  // The generation the pool was made with: a worker that starts after the first job (or after the
  // destructor's bump) then sees the change instead of waiting for the next one.
  uint32_t seen = 0;
  for (;;) {
    const auto spin_end = Clock::now() + kSpin;
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen && !stopping_.load()) {
      cpu_relax();
      if ((++spins & 63) == 0 && Clock::now() > spin_end) {
        sleepers_.fetch_add(1);
        while (generation_.load() == seen && !stopping_.load()) futex_wait(generation_, seen);
        sleepers_.fetch_sub(1);
        break;
      }
    }
    if (stopping_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    run_claimed(index);
  }
}

void WorkerPool::run(Index pieces, Piece piece, void* work) {
  if (pieces <= 0) return;
  if (pieces == 1 || workers_.empty() || solo_left_ > 0 || running_piece) {
    if (solo_left_ > 0 && !running_piece) --solo_left_;
    PieceScope scope;
    for (Index p = 0; p < pieces; ++p) piece(work, p);
    return;
  }
  piece_ = piece;
  work_ = work;
  unfinished_.store(static_cast<int>(pieces), std::memory_order_relaxed);
  std::atomic<uint64_t>& word = word_;
  const uint64_t generation =
      (word_generation(word.load(std::memory_order_relaxed)) + 1) & ((1ull << 26) - 1);
  word.store(make_word(generation, static_cast<uint64_t>(pieces), 0), std::memory_order_release);
  generation_.fetch_add(1);
  if (sleepers_.load() > 0) futex_wake_all(generation_);

  const auto start = Clock::now();
  run_claimed(0);
  const auto own_done = Clock::now();
  const auto spin_end = own_done + kSpin;
  int spins = 0;
  while (unfinished_.load(std::memory_order_acquire) != 0) {
    cpu_relax();
    if ((++spins & 63) == 0 && Clock::now() > spin_end) {
      caller_sleeping_.store(true);
      for (int left; (left = unfinished_.load()) != 0;) futex_wait(unfinished_, left);
      caller_sleeping_.store(false);
      break;
    }
  }
  const auto all_done = Clock::now();
  note_lateness(std::chrono::duration<double>(own_done - start).count(),
                std::chrono::duration<double>(all_done - own_done).count());
}

void WorkerPool::note_lateness(double own_seconds, double wait_seconds) {
  if (wait_seconds > own_seconds + kLateSlackSeconds) ++late_in_window_;
  span_seconds_ += own_seconds + wait_seconds;
  lost_seconds_ += std::max(0.0, wait_seconds - own_seconds - kLateSlackSeconds);
  bool go_solo = false;
  if (span_seconds_ >= kLostSpanSeconds) {
    go_solo = lost_seconds_ > kLostShare * span_seconds_;
    // A whole span that lost next to nothing: the other process has gone, so the next solo stretch (if
    // any) starts short again. (Judged per span, not per window: most windows of a busy machine lose
    // nothing, and resetting on those kept the stretches from growing.)
    if (lost_seconds_ < kLostShare / 8 * span_seconds_) solo_length_ = 0;
    span_seconds_ = lost_seconds_ = 0;
  }
  if (++runs_in_window_ >= kWindow) {
    go_solo = go_solo || late_in_window_ >= kLateLimit;
    late_in_window_ = runs_in_window_ = 0;
  }
  if (!go_solo) return;
  // Another process holds our workers' cores: one thread at full speed beats two that wait for each other.
  solo_length_ = solo_length_ == 0 ? kFirstSoloRuns : std::min(solo_length_ * 2, kLongestSoloRuns);
  solo_left_ = solo_length_;
  late_in_window_ = runs_in_window_ = 0;
  span_seconds_ = lost_seconds_ = 0;
}

namespace {

// cgroup v2: the tightest cpu.max from this process's cgroup up to the root; 0 when none is set.
double cgroup_v2_cpus() {
  std::ifstream self("/proc/self/cgroup");
  std::string line, path;
  while (std::getline(self, line))
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  if (path.empty()) return 0;
  double tightest = 0;
  for (;;) {
    std::ifstream max("/sys/fs/cgroup" + path + "/cpu.max");
    std::string quota;
    double period = 0;
    if (max >> quota >> period && quota != "max" && period > 0) {
      const double cpus = std::stod(quota) / period;
      if (cpus > 0 && (tightest == 0 || cpus < tightest)) tightest = cpus;
    }
    if (path.empty() || path == "/") break;
    const auto slash = path.find_last_of('/');
    path = slash == std::string::npos || slash == 0 ? "" : path.substr(0, slash);
  }
  return tightest;
}

// cgroup v1: cpu.cfs_quota_us / cpu.cfs_period_us of the cpu controller's mount; 0 when unlimited.
double cgroup_v1_cpus() {
  std::ifstream quota_file("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
      period_file("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  double quota = -1, period = 0;
  if (!(quota_file >> quota) || !(period_file >> period) || quota <= 0 || period <= 0) return 0;
  return quota / period;
}

}  // namespace

int usable_cpus() {
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = std::max(1, CPU_COUNT(&set));
  double quota = 0;
  try {
    quota = cgroup_v2_cpus();
    if (quota == 0) quota = cgroup_v1_cpus();
  } catch (const std::exception&) {
    quota = 0;  // an unreadable quota file: no limit known
  }
  if (quota > 0) cpus = std::min(cpus, std::max(1, static_cast<int>(std::ceil(quota - 1e-9))));
  return cpus;
}

}  // namespace yamlnet
