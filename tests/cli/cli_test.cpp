// The `yamlnet` binary end to end: train one epoch, reload, evaluate to the same numbers; exit codes;
// predict.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

using namespace yamlnet::testing;

namespace {

struct Result {
  int code;
  std::string out;
};

// Runs the binary with `args`; stdout is captured, stderr is folded in when `with_stderr`.
Result run(const std::string& args, bool with_stderr = false) {
  const std::string command =
      std::string(YAMLNET_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  const int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

// A small binary classification problem with a learnable rule, as CSV.
std::string make_csv(const TempDir& dir, const std::string& name, int rows, unsigned seed) {
  std::string text = "a,b,c,label\n";
  unsigned state = seed;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return static_cast<double>((state >> 8) % 1000) / 500.0 - 1.0;
  };
  for (int r = 0; r < rows; ++r) {
    const double a = next(), b = next(), c = next();
    text += std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(c) + "," +
            (a + 0.5 * b - c > 0 ? "1" : "0") + "\n";
  }
  return dir.write(name, text);
}

std::string make_config(const TempDir& dir) {
  const std::string train = make_csv(dir, "train.csv", 200, 1), test = make_csv(dir, "test.csv", 50, 2);
  return dir.write("small.yaml",
                   "name: small\nseed: 7\ninputs:\n  features: {shape: [3]}\nlayers:\n"
                   "  - {name: hidden, type: Dense, units: 8, activation: relu}\n"
                   "  - {name: out, type: Dense, units: 1, activation: sigmoid}\n"
                   "compile: {optimizer: adam, loss: binary_crossentropy, metrics: [accuracy]}\n"
                   "data:\n  type: csv\n  columns: {features: [a, b, c], out: [label]}\n"
                   "  train: " +
                       train + "\n  test: " + test + "\nfit: {epochs: 1, batch_size: 16}\n");
}

}  // namespace

TEST_CASE("cli: train one epoch, save, reload, evaluate to the same numbers") {
  TempDir dir;
  const std::string config = make_config(dir);
  const std::string weights = dir.path("out/small.weights.json");
  const Result trained = run("train " + config + " --weights-out " + weights + " --json");
  REQUIRE(trained.code == 0);
  const auto t = nlohmann::json::parse(trained.out);
  CHECK(t["epochs"] == 1);
  CHECK(t["weights"] == weights);
  const Result evaluated = run("evaluate " + config + " --weights " + weights + " --json");
  REQUIRE(evaluated.code == 0);
  const auto e = nlohmann::json::parse(evaluated.out);
  CHECK(e["test_loss"].get<double>() == t["test"]["test_loss"].get<double>());
  CHECK(e["test_accuracy"].get<double>() == t["test"]["test_accuracy"].get<double>());

  // History and the effective config are written beside the weights.
  const std::string history = slurp(dir.path("out/small.history.csv"));
  CHECK(history.rfind("epoch,accuracy,loss\n0,", 0) == 0);
  CHECK(slurp(dir.path("out/small.config.yaml")).find("name: small") != std::string::npos);

  // Same seed, same build: byte-identical weights.
  const std::string again = dir.path("again.weights.json");
  REQUIRE(run("train " + config + " --weights-out " + again + " --json").code == 0);
  CHECK(slurp(again) == slurp(weights));
  // --set changes the run and is recorded in the effective config.
  const std::string wider = dir.path("wider.weights.json");
  REQUIRE(run("train " + config + " --weights-out " + wider +
              " --set layers.hidden.units=4 --set fit.epochs=2 --json")
              .code == 0);
  CHECK(slurp(dir.path("wider.config.yaml")).find("units: 4") != std::string::npos);
  CHECK(slurp(wider).find("\"shape\": [3, 4]") != std::string::npos);
}

TEST_CASE(
    "cli: predict writes one row per sample; init writes seeded weights; summary prints Keras's table") {
  TempDir dir;
  const std::string config = make_config(dir);
  const std::string weights = dir.path("init.weights.json");
  REQUIRE(run("init " + config + " -o " + weights).code == 0);
  const std::string second = dir.path("init2.weights.json");
  REQUIRE(run("init " + config + " -o " + second).code == 0);
  CHECK(slurp(weights) == slurp(second));
  const std::string predictions = dir.path("p.csv");
  REQUIRE(run("predict " + config + " --weights " + weights + " -o " + predictions).code == 0);
  const std::string text = slurp(predictions);
  CHECK(std::count(text.begin(), text.end(), '\n') == 51);
  CHECK(text.rfind("out\n", 0) == 0);
  const std::string npy = dir.path("p.npy");
  REQUIRE(run("predict " + config + " --weights " + weights + " -o " + npy).code == 0);
  CHECK(slurp(npy).size() == 128 + 50 * 4);  // header padded to 128 bytes, then 50 float32 values
  const Result summary = run("summary " + config);
  CHECK(summary.code == 0);
  CHECK(summary.out.find(" hidden (Dense)") != std::string::npos);
  CHECK(summary.out.find("Total params: 41") != std::string::npos);
}

TEST_CASE("cli: exit codes 1 for a user error with file:line:col, 2 for usage") {
  TempDir dir;
  const std::string bad =
      dir.write("bad.yaml", "inputs: {x: {shape: [3]}}\nlayers:\n  - {type: Dense, units: 0}\n");
  const Result r = run("validate " + bad, true);
  CHECK(r.code == 1);
  CHECK(r.out.find(bad + ":3:26: error: layer 'dense' (Dense): argument 'units': must be >= 1, got 0") !=
        std::string::npos);
  CHECK(run("train", true).code == 2);
  CHECK(run("frobnicate x.yaml", true).code == 2);
  CHECK(run("train " + dir.path("missing.yaml"), true).code == 1);
  const std::string config = make_config(dir);
  const Result wrong = run("evaluate " + config + " --weights " + bad, true);
  CHECK(wrong.code == 1);
  CHECK(wrong.out.find("not valid JSON") != std::string::npos);
  CHECK(run("train " + config + " --set nosuchkey", true).code == 2);
}
