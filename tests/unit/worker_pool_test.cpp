// The worker pool behind every split (interpreter/core/worker_pool.hpp): each piece runs exactly once whoever
// runs it, a piece's own splits stay on its thread, the pool goes solo when its workers keep arriving late or
// lose it much of its time (another process holds their core) and comes back, and the default thread count
// follows the CPUs this process may use (affinity mask), not the host's.
#include "interpreter/core/worker_pool.hpp"

#include <doctest/doctest.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "interpreter/core/threads.hpp"

using namespace yamlnet;

namespace {

void busy_wait(std::chrono::microseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

}  // namespace

TEST_CASE("worker pool: every piece runs exactly once, on any thread count, thousands of times in a row") {
  for (int threads : {2, 3, 4}) {
    WorkerPool& pool = WorkerPool::instance(threads);
    for (int round = 0; round < 2000; ++round) {
      const Index pieces = 1 + round % threads;
      std::vector<std::atomic<int>> runs(static_cast<size_t>(pieces));
      struct Work {
        std::vector<std::atomic<int>>* runs;
      } work{&runs};
      pool.run(
          pieces,
          [](void* w, Index p) { (*static_cast<Work*>(w)->runs)[static_cast<size_t>(p)].fetch_add(1); },
          &work);
      for (Index p = 0; p < pieces; ++p) REQUIRE(runs[static_cast<size_t>(p)].load() == 1);
    }
  }
}

TEST_CASE("worker pool: a split inside a piece runs on the piece's thread, run_pieces covers 0..n once") {
  use_threads(2);
  std::vector<int> hits(1000, 0);
  struct Work {
    std::vector<int>* hits;
    std::atomic<int> nested_outside{0};
  } work{&hits};
  detail::run_pieces(
      1000, 8, 2,
      [](void* w, Index, Index begin, Index count) {
        auto& k = *static_cast<Work*>(w);
        if (!WorkerPool::inside_piece()) k.nested_outside.fetch_add(1);
        // A split asked for inside a piece is not split again.
        CHECK(detail::threads_for(1e9) == 1);
        for (Index i = begin; i < begin + count; ++i) ++(*k.hits)[static_cast<size_t>(i)];
      },
      &work);
  for (int h : hits) CHECK(h == 1);
  CHECK(work.nested_outside.load() == 0);
  CHECK(detail::threads_for(1e9) == 2);
  use_threads(1);
}

TEST_CASE("worker pool: workers that keep arriving late send the pool solo, and it tries its workers again") {
  WorkerPool& pool = WorkerPool::instance(2);
  const std::thread::id caller = std::this_thread::get_id();
  struct Work {
    std::thread::id caller;
    bool slow_worker;
  } work{caller, true};
  const auto piece = [](void* w, Index p) {
    const auto& k = *static_cast<Work*>(w);
    if (p == 0) busy_wait(std::chrono::microseconds(300));  // time for the worker to claim piece 1
    // A worker that the kernel descheduled: its piece takes far longer than the caller's.
    if (k.slow_worker && std::this_thread::get_id() != k.caller)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  };
  for (int i = 0; i < 64 && pool.solo_runs_left() == 0; ++i) pool.run(2, piece, &work);
  CHECK(pool.solo_runs_left() > 0);
  // Solo, every piece runs on the caller.
  struct Count {
    std::thread::id caller;
    std::atomic<int> elsewhere{0};
  } count{caller};
  pool.run(
      2,
      [](void* w, Index) {
        auto& k = *static_cast<Count*>(w);
        if (std::this_thread::get_id() != k.caller) k.elsewhere.fetch_add(1);
      },
      &count);
  CHECK(count.elsewhere.load() == 0);
  // After the solo stretch the workers are used again.
  work.slow_worker = false;
  while (pool.solo_runs_left() > 0) pool.run(2, piece, &work);
  int on_worker = 0;
  for (int i = 0; i < 50; ++i) {
    count.elsewhere = 0;
    pool.run(
        2,
        [](void* w, Index p) {
          auto& k = *static_cast<Count*>(w);
          if (p == 0) busy_wait(std::chrono::microseconds(300));
          if (std::this_thread::get_id() != k.caller) k.elsewhere.fetch_add(1);
        },
        &count);
    on_worker += count.elsewhere.load();
  }
  CHECK(on_worker > 0);
}

TEST_CASE("usable_cpus follows the affinity mask") {
  cpu_set_t saved;
  REQUIRE(sched_getaffinity(0, sizeof saved, &saved) == 0);
  const int all = usable_cpus();
  CHECK(all >= 1);
  CHECK(all <= CPU_COUNT(&saved));
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &saved)) {
      CPU_SET(c, &one);
      break;
    }
  REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
  CHECK(usable_cpus() == 1);
  REQUIRE(sched_setaffinity(0, sizeof saved, &saved) == 0);
}

TEST_CASE(
    "worker pool: a worker late in few splits but by a whole time slice each time sends the pool solo") {
  WorkerPool& pool = WorkerPool::instance(2);
  struct Work {
    std::thread::id caller;
    int run = 0;
  } work{std::this_thread::get_id()};
  const auto piece = [](void* w, Index p) {
    const auto& k = *static_cast<Work*>(w);
    if (p == 0) busy_wait(std::chrono::microseconds(200));  // time for the worker to claim piece 1
    // One split in 16 waits 5 ms for its worker (descheduled mid-piece): two late splits per window of 32,
    // under the count that sends the pool solo, yet most of the time is lost.
    if (k.run % 16 == 0 && std::this_thread::get_id() != k.caller)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  while (pool.solo_runs_left() > 0) pool.run(2, piece, &work);
  for (work.run = 1; work.run <= 400 && pool.solo_runs_left() == 0; ++work.run) pool.run(2, piece, &work);
  CHECK(pool.solo_runs_left() > 0);
}
