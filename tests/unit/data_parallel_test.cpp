// Data-parallel training without MPI: the processes of a launch played by threads that sum through shared
// buffers (in rank order, as a deterministic allreduce would), so the trainer's splitting, gradient sums,
// sparse-row exchange, metric joins and leader-only writes run in every build, the sanitizer's included.
// tests/mpi/check_mpi.py runs the same under mpirun.
#include <doctest/doctest.h>

#include <barrier>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "interpreter/app/session.hpp"
#include "interpreter/core/collective.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

// What the threads of one simulated launch share.
struct SharedBuffers {
  explicit SharedBuffers(int n)
      : size(n),
        sync(n),
        reals(static_cast<size_t>(n)),
        doubles(static_cast<size_t>(n)),
        ids(static_cast<size_t>(n)) {}
  int size;
  std::barrier<> sync;
  std::vector<std::vector<Real>> reals;
  std::vector<std::vector<double>> doubles;
  std::vector<std::vector<int64_t>> ids;
};

class ThreadProcess final : public Collective {
 public:
  ThreadProcess(SharedBuffers& shared, int rank) : shared_(shared), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return shared_.size; }
  void sum(Real* values, size_t count) override { sum_in_order(shared_.reals, values, count); }
  void sum_doubles(double* values, size_t count) override { sum_in_order(shared_.doubles, values, count); }
  void gather(const std::vector<int64_t>& mine, std::vector<int64_t>& all) override {
    join_in_order(shared_.ids, mine, all);
  }
  void gather_reals(const std::vector<Real>& mine, std::vector<Real>& all) override {
    join_in_order(shared_.reals, mine, all);
  }

 private:
  template <class T>
  void sum_in_order(std::vector<std::vector<T>>& slots, T* values, size_t count) {
    slots[static_cast<size_t>(rank_)].assign(values, values + count);
    shared_.sync.arrive_and_wait();
    for (size_t i = 0; i < count; ++i) {
      T total = 0;
      for (const auto& slot : slots) total += slot[i];
      values[i] = total;
    }
    shared_.sync.arrive_and_wait();  // nobody overwrites a slot another is still reading
  }
  template <class T>
  void join_in_order(std::vector<std::vector<T>>& slots, const std::vector<T>& mine, std::vector<T>& all) {
    slots[static_cast<size_t>(rank_)] = mine;
    shared_.sync.arrive_and_wait();
    all.clear();
    for (const auto& slot : slots) all.insert(all.end(), slot.begin(), slot.end());
    shared_.sync.arrive_and_wait();
  }
  SharedBuffers& shared_;
  int rank_;
};

// Ids with a learnable label, 100 rows: batches of 7 leave a last batch of 2, so under 3 processes one has
// none.
std::string write_rows(const TempDir& dir) {
  std::string text = "id,x0,x1,y\n";
  Random rng(5);
  for (int r = 0; r < 100; ++r) {
    const Index id = rng.below(20);
    const double a = rng.uniform(-1, 1), b = rng.uniform(-1, 1);
    text += std::to_string(id) + "," + std::to_string(a) + "," + std::to_string(b) + "," +
            (a + 0.1 * static_cast<double>(id % 3) > b ? "1" : "0") + "\n";
  }
  return dir.write("rows.csv", text);
}

std::string parallel_config(const TempDir& dir, const std::string& optimizer) {
  return dir.write("p.yaml", R"(name: parallel
seed: 3
threads: 1
inputs:
  id: {shape: [1], dtype: int32}
  x: {shape: [2]}
layers:
  - {name: table, type: Embedding, inputs: id, input_dim: 20, output_dim: 3}
  - {name: flat, type: Flatten}
  - {name: both, type: Concatenate, inputs: [flat, x]}
  - {name: hidden, type: Dense, units: 8, activation: tanh, kernel_regularizer: {type: l2, l2: 0.01}}
  - {name: drop, type: Dropout, rate: 0.3}
  - {name: out, type: Dense, units: 1, activation: sigmoid}
compile: {optimizer: )" + optimizer +
                                 R"(, loss: bce, metrics: [accuracy, auc, exact_auc]}
data: {type: csv, columns: {id: [id], x: [x0, x1], y: [y]}, train: )" +
                                 write_rows(dir) + R"(}
fit: {epochs: 3, batch_size: 7, validation_split: 0.3}
)");
}

std::vector<double> numbers_of(const nlohmann::json& j) {
  std::vector<double> out;
  if (j.is_number()) out.push_back(j.get<double>());
  if (j.is_array() || j.is_object())
    for (const auto& item : j) {
      const auto inner = numbers_of(item);
      out.insert(out.end(), inner.begin(), inner.end());
    }
  return out;
}

// Trains `config` as a launch of `n` processes; returns the first's outcome (the only one that writes).
TrainOutcome train_as(int n, const std::string& config, const std::string& weights) {
  SharedBuffers shared(n);
  std::vector<ThreadProcess> processes;
  for (int r = 0; r < n; ++r) processes.emplace_back(shared, r);
  std::vector<TrainOutcome> outcomes(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r)
    threads.emplace_back([&, r] {
      RunOptions options{config, {}, "", weights};
      options.processes = &processes[static_cast<size_t>(r)];
      outcomes[static_cast<size_t>(r)] = run_train(options, nullptr);
    });
  for (auto& t : threads) t.join();
  return outcomes[0];
}

}  // namespace

TEST_CASE("a process's share of a batch: contiguous, the first ones one row longer") {
  SharedBuffers shared(3);
  std::vector<std::pair<int64_t, int64_t>> shares;
  for (int r = 0; r < 3; ++r) shares.push_back(ThreadProcess(shared, r).share(10));
  CHECK(shares == std::vector<std::pair<int64_t, int64_t>>{{0, 4}, {4, 7}, {7, 10}});
  CHECK(ThreadProcess(shared, 2).share(2) == std::pair<int64_t, int64_t>{2, 2});  // nothing for the third
}

TEST_CASE("N processes train the weights, history and metrics of one") {
  for (const std::string optimizer :
       {"{type: sgd, learning_rate: 0.1}", "{type: adam, learning_rate: 0.01}"}) {
    CAPTURE(optimizer);
    TempDir dir;
    const std::string config = parallel_config(dir, optimizer);
    const TrainOutcome one = train_as(1, config, dir.path("one.json"));
    const std::vector<double> expected = numbers_of(nlohmann::json::parse(slurp(one.weights_path)));
    for (int n : {2, 3}) {
      CAPTURE(n);
      const std::string weights = dir.path("n" + std::to_string(n) + ".json");
      const TrainOutcome many = train_as(n, config, weights);
      const std::vector<double> got = numbers_of(nlohmann::json::parse(slurp(weights)));
      REQUIRE(got.size() == expected.size());
      for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-5));
      REQUIRE(many.history.size() == one.history.size());
      for (size_t e = 0; e < one.history.size(); ++e)
        for (size_t k = 0; k < one.history[e].logs.size(); ++k) {
          CAPTURE(one.history[e].logs[k].first);
          CHECK(many.history[e].logs[k].second ==
                doctest::Approx(one.history[e].logs[k].second).epsilon(1e-5));
        }
    }
  }
}

TEST_CASE("only the first process writes files") {
  TempDir dir;
  const std::string config = parallel_config(dir, "{type: sgd}");
  SharedBuffers shared(2);
  ThreadProcess first(shared, 0), second(shared, 1);
  std::thread other([&] {
    RunOptions options{config, {}, "", dir.path("second/w.json")};
    options.processes = &second;
    run_train(options, nullptr);
  });
  RunOptions options{config, {}, "", dir.path("first/w.json")};
  options.processes = &first;
  run_train(options, nullptr);
  other.join();
  CHECK(std::filesystem::exists(dir.path("first/w.json")));
  CHECK(std::filesystem::exists(dir.path("first/w.history.csv")));
  CHECK_FALSE(std::filesystem::exists(dir.path("second")));
}
