// fit's Keras semantics: validation_split holds out the end, callbacks, frozen layers, history columns,
// reproducible data order, one progress line per epoch when not on a terminal.
#include <doctest/doctest.h>

#include <cstdio>

#include "interpreter/app/session.hpp"
#include "interpreter/cli/progress_bar.hpp"
#include "interpreter/io/weights.hpp"
#include "interpreter/train/callbacks.hpp"
#include "interpreter/train/metrics.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

// y = 1 when x0 > x1: learnable, so losses fall and accuracies rise.
std::string write_data(const TempDir& dir, int rows) {
  std::string text = "x0,x1,y\n";
  Random rng(3);
  for (int r = 0; r < rows; ++r) {
    const double a = rng.uniform(-1, 1), b = rng.uniform(-1, 1);
    text += std::to_string(a) + "," + std::to_string(b) + "," + (a > b ? "1" : "0") + "\n";
  }
  return dir.write("d.csv", text);
}

std::string trainer_config(const TempDir& dir, const std::string& fit,
                           const std::string& extra_layer_args = "") {
  return dir.write(
      "c.yaml",
      "name: fitting\nseed: 1\ninputs: {x: {shape: [2]}}\nlayers:\n"
      "  - {name: hidden, type: Dense, units: 4, activation: tanh" +
          extra_layer_args +
          "}\n"
          "  - {name: out, type: Dense, units: 1, activation: sigmoid}\n"
          "compile: {optimizer: {type: adam, learning_rate: 0.05}, loss: bce, metrics: [accuracy]}\n"
          "data: {type: csv, columns: {x: [x0, x1], y: [y]}, train: " +
          write_data(dir, 100) +
          "}\n"
          "fit: " +
          fit + "\n");
}

}  // namespace

TEST_CASE("validation_split holds out the last fraction and logs val_ figures") {
  TempDir dir;
  RunOptions options{
      trainer_config(dir, "{epochs: 2, batch_size: 10, validation_split: 0.2}"), {}, "", dir.path("w.json")};
  const TrainOutcome outcome = run_train(options, nullptr);
  REQUIRE(outcome.history.size() == 2);
  std::vector<std::string> names;
  for (const auto& [name, value] : outcome.history[0].logs) names.push_back(name);
  CHECK(names == std::vector<std::string>{"loss", "accuracy", "val_loss", "val_accuracy"});
  CHECK(slurp(outcome.history_path).rfind("epoch,accuracy,loss,val_accuracy,val_loss\n0,", 0) == 0);
}

TEST_CASE("early stopping with patience stops and restores the best weights, checkpoints save the best") {
  TempDir dir;
  // A learning rate this high makes the validation loss bounce, so patience 1 ends training early.
  const std::string fit =
      "{epochs: 30, batch_size: 10, validation_split: 0.3, callbacks: ["
      "{type: early_stopping, monitor: val_loss, patience: 1, restore_best_weights: true}, "
      "{type: model_checkpoint, path: " +
      dir.path("best.json") + ", save_best_only: true}]}";
  RunOptions options{
      trainer_config(dir, fit), {"compile.optimizer.learning_rate=0.5"}, "", dir.path("final.json")};
  const TrainOutcome outcome = run_train(options, nullptr);
  CHECK(outcome.history.size() < 30);
  double best = 1e9;
  for (const auto& e : outcome.history) best = std::min(best, *find_log(e.logs, "val_loss"));
  CHECK(*find_log(outcome.history.back().logs, "val_loss") > best);  // it stopped after a worse epoch
  // Restored weights are the best epoch's, which the checkpoint also saved.
  CHECK(slurp(dir.path("final.json")) == slurp(dir.path("best.json")));
}

TEST_CASE("callbacks: Keras's auto mode picks max for accuracies, min otherwise") {
  CHECK(higher_is_better("val_accuracy", "auto"));
  CHECK_FALSE(higher_is_better("val_loss", "auto"));
  CHECK(higher_is_better("val_loss", "max"));
}

TEST_CASE("trainable: false freezes a layer") {
  TempDir dir;
  RunOptions options{
      trainer_config(dir, "{epochs: 1, batch_size: 10}", ", trainable: false"), {}, "", dir.path("w.json")};
  std::vector<std::string> warnings;
  RunOptions init_options = options;
  init_options.weights_out = dir.path("init.json");
  run_init(init_options, warnings);
  run_train(options, nullptr);
  Model before(load_model_spec(options.config)), after(load_model_spec(options.config));
  load_weights(before, dir.path("init.json"));
  load_weights(after, dir.path("w.json"));
  CHECK(before.nodes()[1].layer->params()[0].value.data == after.nodes()[1].layer->params()[0].value.data);
  CHECK(before.nodes()[2].layer->params()[0].value.data != after.nodes()[2].layer->params()[0].value.data);
  CHECK(after.count_params(false) == 12);
}

TEST_CASE("shuffling depends only on the seed and the epoch: two runs give the same history") {
  TempDir dir;
  RunOptions a{trainer_config(dir, "{epochs: 2, batch_size: 7}"), {}, "", dir.path("a.json")};
  RunOptions b = a;
  b.weights_out = dir.path("b.json");
  const auto ha = run_train(a, nullptr).history, hb = run_train(b, nullptr).history;
  CHECK(ha[1].logs == hb[1].logs);
  CHECK(slurp(dir.path("a.json")) == slurp(dir.path("b.json")));
}

TEST_CASE("progress: Keras's number format, one line per epoch when the output is not a terminal") {
  CHECK(ProgressBar::format_logs({{"loss", 0.123456}, {"acc", 0.0000123}}) ==
        " - loss: 0.1235 - acc: 1.2300e-05");
  TempDir dir;
  FILE* out = std::fopen(dir.path("log.txt").c_str(), "w");
  ProgressBar bar(out, 1);
  bar.on_epoch_begin(0, 2, 3);
  for (long s = 1; s <= 3; ++s) bar.on_batch_end(s, {{"loss", 1.0}});
  Logs logs{{"loss", 0.5}};
  EpochEnd end{0, 2, logs, 0.003};
  bar.on_epoch_end(end);
  std::fclose(out);
  CHECK(slurp(dir.path("log.txt")) ==
        "Epoch 1/2\n3/3 [==============================] - 0s 1ms/step - loss: 0.5000\n");
}

TEST_CASE("several outputs: one loss each, summed, logged as <output>_loss, metrics prefixed") {
  TempDir dir;
  const std::string data = write_data(dir, 60);
  const std::string path =
      dir.write("two.yaml",
                "name: two\ninputs: {x: {shape: [2]}}\nlayers:\n"
                "  - {name: hidden, type: Dense, units: 4, activation: tanh}\n"
                "  - {name: a, type: Dense, units: 1, activation: sigmoid, inputs: hidden}\n"
                "  - {name: b, type: Dense, units: 1, activation: sigmoid, inputs: hidden}\n"
                "outputs: [a, b]\n"
                "compile: {optimizer: adam, loss: bce, metrics: [accuracy]}\n"
                "data: {type: csv, columns: {x: [x0, x1], a: [y], b: [y]}, train: " +
                    data +
                    "}\n"
                    "fit: {epochs: 1, batch_size: 10}\n");
  const TrainOutcome outcome = run_train(RunOptions{path, {}, "", dir.path("w.json")}, nullptr);
  const Logs& logs = outcome.history[0].logs;
  std::vector<std::string> names;
  for (const auto& [name, value] : logs) names.push_back(name);
  CHECK(names == std::vector<std::string>{"loss", "a_loss", "b_loss", "a_accuracy", "b_accuracy"});
  CHECK(*find_log(logs, "loss") == doctest::Approx(*find_log(logs, "a_loss") + *find_log(logs, "b_loss")));
}

TEST_CASE("exact_auc: exact by ranking, ties at their average rank, over several batches") {
  auto auc = Metric::create("exact_auc", 1, 1);
  Tensor p1({3, 1}), t1({3, 1}), p2({3, 1}), t2({3, 1});
  p1.data = {0.9f, 0.4f, 0.4f};
  t1.data = {1, 0, 1};
  p2.data = {0.1f, 0.8f, 0.3f};
  t2.data = {0, 0, 1};
  auc->update(p1, t1);
  auc->update(p2, t2);
  // Positives 0.9, 0.4, 0.3; negatives 0.4, 0.1, 0.8.
  // 0.9 beats 0.4, 0.1, 0.8 (3); 0.4 ties 0.4 (0.5) and beats 0.1 (1); 0.3 beats 0.1 (1): 5.5 of 9.
  CHECK(auc->result() == doctest::Approx(5.5 / 9.0));
  auc->reset();
  auc->update(p1, t1);
  CHECK(auc->result() == doctest::Approx(0.75));  // 0.9 beats 0.4 (1); 0.4 ties 0.4 (0.5): 1.5 of 2
  CHECK_THROWS_AS(Metric::create("exact_auc", 3, 1), TrainingError);
}

TEST_CASE("Embedding gradients are row-sparse, with the dense path's weights bit for bit") {
  // Ids 0-9 of a 12-row table (rows 10 and 11 are never looked up); y = 1 for ids above 4.
  TempDir dir;
  std::string data = "id,y\n";
  Random rng(5);
  for (int r = 0; r < 60; ++r) {
    const int id = static_cast<int>(rng.uniform(0, 10));
    data += std::to_string(id) + "," + (id > 4 ? "1" : "0") + "\n";
  }
  const std::string data_path = dir.write("ids.csv", data);
  // The same model with a zero L2 penalty on the table takes the dense path (a penalty makes every row's
  // gradient non-zero in general), and adds exactly zero here.
  auto train = [&](const std::string& optimizer, const std::string& table_args) {
    const std::string config =
        dir.write("e.yaml",
                  "name: sparse\nseed: 2\ninputs: {id: {shape: [1], dtype: int32}}\nlayers:\n"
                  "  - {name: emb, type: Embedding, input_dim: 12, output_dim: 3" +
                      table_args +
                      "}\n  - {name: flat, type: Flatten}\n"
                      "  - {name: out, type: Dense, units: 1, activation: sigmoid}\n"
                      "compile: {optimizer: " +
                      optimizer +
                      ", loss: bce}\n"
                      "data: {type: csv, columns: {id: [id], y: [y]}, train: " +
                      data_path + "}\nfit: {epochs: 2, batch_size: 8}\n");
    RunOptions options{config, {}, "", dir.path("w.json")};
    run_train(options, nullptr);
    return read_weights_file(dir.path("w.json")).tensors;
  };
  for (const std::string opt : {"{type: sgd, learning_rate: 0.5}", "{type: adagrad, learning_rate: 0.5}",
                                "{type: adam, learning_rate: 0.05}"}) {
    CAPTURE(opt);
    const auto sparse = train(opt, "");
    const auto dense = train(opt, ", embeddings_regularizer: {type: l2, l2: 0}");
    REQUIRE(sparse.size() == dense.size());
    for (size_t i = 0; i < sparse.size(); ++i) {
      CAPTURE(sparse[i].name);
      if (opt.find("adagrad") == std::string::npos) {
        CHECK(sparse[i].data == dense[i].data);
        continue;
      }
      // As in the optimizer's own test: Eigen's vectorised square root (whole table) vs the exact scalar one
      // (rows of 3) differ in the last bit.
      for (size_t k = 0; k < sparse[i].data.size(); ++k)
        CHECK(sparse[i].data[k] == doctest::Approx(dense[i].data[k]).epsilon(1e-5));
    }
    // Training moved the table (the comparison is not between two untrained models).
    Model init(load_model_spec(dir.path("e.yaml")));
    init.initialize(2);
    CHECK(to_vector(init.nodes()[1].layer->params()[0].value.data) != sparse[0].data);
  }
}

namespace {

// Records what it is told; stops training at `stop_at` (an epoch) when given one.
class RecordingCallback : public Callback {
 public:
  RecordingCallback(std::string name, std::vector<std::string>& events, int stop_at = -1)
      : name_(std::move(name)), events_(events), stop_at_(stop_at) {}
  void on_epoch_begin(int epoch, int, long steps) override {
    events_.push_back(name_ + " begin " + std::to_string(epoch) + " steps " + std::to_string(steps));
  }
  void on_batch_end(long, const Logs&) override { ++batches; }
  void on_epoch_end(EpochEnd& end) override {
    events_.push_back(name_ + " end " + std::to_string(end.epoch) + (end.stop ? " stop seen" : "") +
                      " logs " + std::to_string(end.logs.size()));
    if (end.epoch == stop_at_) {
      end.stop = true;
      end.logs.emplace_back("added_by_" + name_, 1.0);
    }
  }
  void on_train_end() override { events_.push_back(name_ + " train end"); }
  int batches = 0;

 private:
  std::string name_;
  std::vector<std::string>& events_;
  int stop_at_;
};

}  // namespace

TEST_CASE(
    "fit: callbacks in list order, a stop one sets is seen by the next and ends training after the epoch") {
  Model model(
      parse_model_spec("name: t\nseed: 1\ninputs: {x: {shape: [2]}}\nlayers:\n"
                       "  - {name: y, type: Dense, units: 1}\ncompile: {loss: mse, optimizer: sgd}\n",
                       "t.yaml"));
  model.initialize(1);
  Trainer trainer(model, model.spec().compile, 1);
  Dataset data;
  data.inputs.push_back(DataArray{"x", Tensor({10, 2}), "mem", {}});
  data.targets.push_back(DataArray{"y", Tensor({10, 1}), "mem", {}});
  std::vector<std::string> events;
  RecordingCallback first("a", events, 1), second("b", events);
  FitOptions options;
  options.epochs = 5;
  options.batch_size = 4;
  options.callbacks = {&first, &second};
  const std::vector<EpochRecord> history = trainer.fit(data, nullptr, options);
  CHECK(events == std::vector<std::string>{"a begin 0 steps 3", "b begin 0 steps 3", "a end 0 logs 1",
                                           "b end 0 logs 1", "a begin 1 steps 3", "b begin 1 steps 3",
                                           "a end 1 logs 1", "b end 1 stop seen logs 2", "a train end",
                                           "b train end"});
  CHECK(first.batches == 6);
  REQUIRE(history.size() == 2);
  // A figure a callback adds is in the epoch's record (ranking validation adds val_hr@K this way).
  CHECK(find_log(history[1].logs, "added_by_a") == 1.0);
}

TEST_CASE(
    "cross-entropy reads the logits of an Activation output as it does a Dense one's (Keras's TF backend)") {
  // Keras takes the logits of any sigmoid/softmax output; the probabilities' clipped form would differ in
  // the last bits of the loss and of every later weight.
  TempDir dir;
  const std::string data = write_data(dir, 60);
  auto config = [&](const std::string& file, const std::string& out_layers) {
    return dir.write(file,
                     "name: logits\nseed: 4\ninputs: {x: {shape: [2]}}\nlayers:\n"
                     "  - {name: hidden, type: Dense, units: 3, activation: tanh}\n" +
                         out_layers +
                         "compile: {optimizer: {type: sgd, learning_rate: 0.5}, loss: bce}\n"
                         "data: {type: csv, columns: {x: [x0, x1], y: [y]}, train: " +
                         data + "}\nfit: {epochs: 3, batch_size: 6}\n");
  };
  RunOptions fused{config("fused.yaml", "  - {name: out, type: Dense, units: 1, activation: sigmoid}\n"),
                   {},
                   "",
                   dir.path("fused.json")};
  RunOptions apart{config("apart.yaml",
                          "  - {name: out, type: Dense, units: 1}\n"
                          "  - {name: prob, type: Activation, activation: sigmoid}\n"),
                   {},
                   "",
                   dir.path("apart.json")};
  const auto hf = run_train(fused, nullptr).history, ha = run_train(apart, nullptr).history;
  REQUIRE(hf.size() == 3);
  for (size_t e = 0; e < hf.size(); ++e) CHECK(hf[e].logs == ha[e].logs);
  Model a(load_model_spec(fused.config)), b(load_model_spec(apart.config));
  load_weights(a, fused.weights_out);
  load_weights(b, apart.weights_out);
  CHECK(a.find("out")->layer->params()[0].value.data == b.find("out")->layer->params()[0].value.data);
}
