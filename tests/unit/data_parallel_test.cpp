// Data-parallel training without MPI: the processes of a launch played by threads that sum through shared
// buffers (in rank order, as a deterministic allreduce would), so the trainer's splitting, gradient sums,
// sparse-row exchange, metric joins and leader-only writes run in every build, the sanitizer's included.
// tests/mpi/check_mpi.py runs the same under mpirun.
#include <doctest/doctest.h>

#include <barrier>
#include <exception>
#include <filesystem>
#include <limits>
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
        ids(static_cast<size_t>(n)),
        counts(static_cast<size_t>(n)) {}
  int size;
  std::barrier<> sync;
  std::vector<std::vector<Real>> reals;
  std::vector<std::vector<double>> doubles;
  std::vector<std::vector<int64_t>> ids;
  std::vector<std::vector<int>> counts;
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
  void exchange(const std::vector<int>& send_counts, const int64_t* send, std::vector<int>& received_counts,
                std::vector<int64_t>& received) override {
    received.clear();
    all_to_all(shared_.ids, send_counts, send, received_counts,
               [&](const int64_t* from, int n) { received.insert(received.end(), from, from + n); });
  }
  void exchange_reals(const std::vector<int>& send_counts, const Real* send, const std::vector<int>&,
                      Real* received) override {
    std::vector<int> counts;
    all_to_all(shared_.reals, send_counts, send, counts,
               [&](const Real* from, int n) { received = std::copy(from, from + n, received); });
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
  // Every process's parts for this one, in rank order, handed to `take`.
  template <class T, class Take>
  void all_to_all(std::vector<std::vector<T>>& slots, const std::vector<int>& send_counts, const T* send,
                  std::vector<int>& received_counts, Take take) {
    const auto me = static_cast<size_t>(rank_);
    int total = 0;
    for (int c : send_counts) total += c;
    slots[me].assign(send, send + total);
    shared_.counts[me] = send_counts;
    shared_.sync.arrive_and_wait();
    received_counts.assign(slots.size(), 0);
    for (size_t r = 0; r < slots.size(); ++r) {
      int offset = 0;
      for (size_t q = 0; q < me; ++q) offset += shared_.counts[r][q];
      received_counts[r] = shared_.counts[r][me];
      take(slots[r].data() + offset, received_counts[r]);
    }
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

std::string parallel_config(const TempDir& dir, const std::string& optimizer, const std::string& table = "") {
  return dir.write("p.yaml", R"(name: parallel
seed: 3
threads: 1
inputs:
  id: {shape: [1], dtype: int32}
  x: {shape: [2]}
layers:
  - {name: table, type: Embedding, inputs: id, input_dim: 20, output_dim: 3)" +
                                 table + R"(}
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
  std::vector<std::exception_ptr> failures(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r)
    threads.emplace_back([&, r] {
      RunOptions options{config, {}, "", weights};
      options.processes = &processes[static_cast<size_t>(r)];
      try {
        outcomes[static_cast<size_t>(r)] = run_train(options, nullptr);
      } catch (...) {
        failures[static_cast<size_t>(r)] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  if (failures[0]) std::rethrow_exception(failures[0]);
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

TEST_CASE("a message longer than MPI's int counts is refused by name, not sent truncated") {
  const auto most = static_cast<size_t>(std::numeric_limits<int>::max());
  CHECK(message_count(0, "x") == 0);
  CHECK(message_count(most, "x") == std::numeric_limits<int>::max());
  CHECK_THROWS_WITH_AS(
      message_count(most + 1, "the exchange of predictions"),
      doctest::Contains("the exchange of predictions: 2147483648 values are more than one MPI "
                        "message can carry"),
      TrainingError);
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

TEST_CASE("a table split by rows trains the weights of the whole table, and is written whole") {
  for (const std::string optimizer : {"{type: sgd, learning_rate: 0.1}", "{type: adam, learning_rate: 0.01}",
                                      "{type: adam, learning_rate: 0.01, lazy: true}"}) {
    CAPTURE(optimizer);
    TempDir dir;
    const TrainOutcome one = train_as(1, parallel_config(dir, optimizer), dir.path("one.json"));
    const std::vector<double> expected =
        numbers_of(nlohmann::json::parse(slurp(one.weights_path))["weights"]);
    const std::string split = parallel_config(dir, optimizer, ", shard: rows");
    for (int n : {2, 3}) {
      CAPTURE(n);
      const std::string weights = dir.path("split" + std::to_string(n) + ".json");
      const TrainOutcome many = train_as(n, split, weights);
      const auto file = nlohmann::json::parse(slurp(weights));
      CHECK(file["weights"]["table/embeddings"]["shape"] == nlohmann::json::array({20, 3}));
      const std::vector<double> got = numbers_of(file["weights"]);
      REQUIRE(got.size() == expected.size());
      for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-5));
      REQUIRE(many.history.size() == one.history.size());
      for (size_t k = 0; k < one.history.back().logs.size(); ++k) {
        CAPTURE(one.history.back().logs[k].first);
        CHECK(many.history.back().logs[k].second ==
              doctest::Approx(one.history.back().logs[k].second).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("a split table in a model with masks: the check for dropped masks runs its pass with the others") {
  // mask_zero makes the run look for layers that drop a mask (here Flatten), by a forward pass before
  // training; with the table split, that pass fetches rows from the other processes (it crashed before they
  // were given to the model).
  TempDir dir;
  const std::string optimizer = "{type: adam, learning_rate: 0.01}";
  const TrainOutcome one =
      train_as(1, parallel_config(dir, optimizer, ", mask_zero: true"), dir.path("one.json"));
  const TrainOutcome two =
      train_as(2, parallel_config(dir, optimizer, ", mask_zero: true, shard: rows"), dir.path("two.json"));
  auto mentions_flatten = [](const std::vector<std::string>& warnings) {
    return std::any_of(warnings.begin(), warnings.end(),
                       [](const std::string& w) { return w.find("'flat'") != std::string::npos; });
  };
  CHECK(mentions_flatten(one.warnings));
  CHECK(mentions_flatten(two.warnings));
  const std::vector<double> expected =
      numbers_of(nlohmann::json::parse(slurp(dir.path("one.json")))["weights"]);
  const std::vector<double> got = numbers_of(nlohmann::json::parse(slurp(dir.path("two.json")))["weights"]);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-5));
}

TEST_CASE("a table over one process's max_memory trains when split") {
  TempDir dir;
  // 40,000 x 8 floats, value and gradient: 2.56 MB; each of two processes holds half.
  std::string text = slurp(parallel_config(dir, "{type: sgd}", ", shard: rows"));
  const std::string small = "input_dim: 20, output_dim: 3";
  const auto at = text.find(small);
  REQUIRE(at != std::string::npos);
  text.replace(at, small.size(), "input_dim: 40000, output_dim: 8");
  const std::string config = dir.write("big.yaml", "max_memory: 2MB\n" + text);
  CHECK_THROWS_WITH_AS(train_as(1, config, dir.path("one.json")), doctest::Contains("max_memory"),
                       ConfigError);
  const TrainOutcome two = train_as(2, config, dir.path("two.json"));
  const auto file = nlohmann::json::parse(slurp(dir.path("two.json")));
  CHECK(file["weights"]["table/embeddings"]["shape"] == nlohmann::json::array({40000, 8}));
  CHECK(two.history.size() == 3);
}

TEST_CASE("what a table split by rows cannot do is an error before training") {
  TempDir dir;
  // A penalty reads every row, which no process holds.
  CHECK_THROWS_WITH_AS(
      train_as(1, parallel_config(dir, "{type: sgd}", ", shard: rows, embeddings_regularizer: l2"), ""),
      doctest::Contains("shard"), ConfigError);
  // Clipping by the norm of a gradient that no process holds whole.
  CHECK_THROWS_WITH_AS(
      train_as(2, parallel_config(dir, "{type: sgd, clipnorm: 1.0}", ", shard: rows"), dir.path("w.json")),
      doctest::Contains("clipvalue"), TrainingError);
  // The ids come from the data, before the forward pass.
  std::string text = slurp(parallel_config(dir, "{type: sgd}", ", shard: rows"));
  const std::string reads = "inputs: id, input_dim";
  text.replace(text.find(reads), reads.size(), "inputs: again, input_dim");
  text.replace(text.find("  - {name: table"), 0,
               "  - {name: again, type: Reshape, inputs: id, target_shape: [1]}\n");
  CHECK_THROWS_WITH_AS(train_as(1, dir.write("reshaped.yaml", text), ""), doctest::Contains("Input layer"),
                       ConfigError);
  // One process: nothing is split, clipping works.
  CHECK_NOTHROW(
      train_as(1, parallel_config(dir, "{type: sgd, clipnorm: 1.0}", ", shard: rows"), dir.path("one.json")));
}
