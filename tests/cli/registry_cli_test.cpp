// The run registry through the binary: train and evaluate record runs, runs of one config keep their own
// files, failed and killed runs show as such, a damaged registry loses no run's files, `runs` reads them
// back, and `sweep` plans, runs, reports and resumes trials.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

using namespace yamlnet::testing;

namespace {

using Shell = ShellResult;

// Runs `yamlnet ARGS` in `dir` with the registry at dir/reg.sqlite (unless `args` names another).
Shell in_folder(const TempDir& dir, const std::string& args, const std::string& env = "",
                bool with_stderr = false) {
  return run_shell("cd " + dir.path("") + " && env YAMLNET_REGISTRY=" + dir.path("reg.sqlite") + " " + env +
                   " " + YAMLNET_BINARY + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

std::string small_config(const TempDir& dir) {
  std::string train = "a,b,label\n", test = train;
  for (int r = 0; r < 64; ++r) {
    const double a = (r % 7) / 3.0 - 1, b = (r % 5) / 2.0 - 1;
    (r < 48 ? train : test) += std::to_string(a) + "," + std::to_string(b) + "," + (a > b ? "1" : "0") + "\n";
  }
  dir.write("train.csv", train);
  dir.write("test.csv", test);
  return dir.write("tiny.yaml",
                   "name: tiny\nseed: 3\ninputs:\n  x: {shape: [2]}\nlayers:\n"
                   "  - {name: hidden, type: Dense, units: 4, activation: relu}\n"
                   "  - {name: out, type: Dense, units: 1, activation: sigmoid}\n"
                   "compile: {optimizer: adam, loss: binary_crossentropy, metrics: [accuracy]}\n"
                   "data:\n  type: csv\n  columns: {x: [a, b], out: [label]}\n"
                   "  train: train.csv\n  test: test.csv\n"
                   "fit: {epochs: 2, batch_size: 8, validation_split: 0.25, verbose: 0}\n");
}

nlohmann::json json_of(const Shell& s) {
  return nlohmann::json::parse(s.out);
}

}  // namespace

TEST_CASE(
    "registry cli: runs of one config keep their own files, and runs lists, shows, compares, ranks, "
    "removes") {
  TempDir dir;
  small_config(dir);
  const auto first = json_of(in_folder(dir, "train tiny.yaml --json"));
  const auto second = json_of(in_folder(dir, "train tiny.yaml --json --set layers.hidden.units=6"));
  const std::string a = first["run_id"], b = second["run_id"];
  CHECK(a != b);
  CHECK(first["weights"] == "runs/tiny/" + a + "/tiny.weights.json");
  CHECK(second["weights"] == "runs/tiny/" + b + "/tiny.weights.json");
  // Both runs' weights are kept; the usual path is the newest run's.
  const std::string wa = slurp(dir.path(first["weights"].get<std::string>())),
                    wb = slurp(dir.path(second["weights"].get<std::string>()));
  CHECK(wa != wb);
  CHECK(slurp(dir.path("runs/tiny/tiny.weights.json")) == wb);
  CHECK(slurp(dir.path("runs/tiny/tiny.config.yaml")) ==
        slurp(dir.path("runs/tiny/" + b + "/tiny.config.yaml")));

  const auto listed = json_of(in_folder(dir, "runs --json"));
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["id"] == b);  // newest first
  CHECK(listed[0]["status"] == "finished");
  CHECK(listed[0]["overrides"] == nlohmann::json::array({"layers.hidden.units=6"}));
  CHECK(listed[0]["history"].size() == 2);
  CHECK(listed[0]["final_metrics"].contains("val_accuracy"));
  CHECK(listed[0]["test_metrics"].contains("test_accuracy"));
  CHECK(listed[0]["weights_sha256"].get<std::string>().size() == 64);
  CHECK(listed[0]["wall_seconds"].get<double>() > 0);

  const auto shown = json_of(in_folder(dir, "runs show " + a + " --json"));
  CHECK(shown["config_yaml"].get<std::string>().find("units: 4") != std::string::npos);
  CHECK(in_folder(dir, "runs show " + a).out.find("History:") != std::string::npos);

  const auto compared = json_of(in_folder(dir, "runs compare " + a + " " + b + " --json"));
  REQUIRE(compared["config"].size() == 1);
  CHECK(compared["config"][0]["key"] == "layers.hidden.units");
  CHECK(compared["config"][0]["values"] == nlohmann::json::array({"4", "6"}));
  CHECK(compared["metrics"]["test_accuracy"].size() == 2);
  // Different widths: the hidden layer's tensors differ in shape, so every tensor is "changed".
  CHECK(compared["weights"][0]["tensors_changed"] == 4);

  const auto best = json_of(in_folder(dir, "runs best --metric test_loss --json"));
  const double la = listed[1]["test_metrics"]["test_loss"], lb = listed[0]["test_metrics"]["test_loss"];
  CHECK(best["id"] == (la <= lb ? a : b));
  CHECK(in_folder(dir, "runs best --metric no_such").code == 2);

  const auto evaluated = in_folder(
      dir, "evaluate tiny.yaml --weights runs/tiny/tiny.weights.json --json --set layers.hidden.units=6");
  REQUIRE(evaluated.code == 0);
  const auto evals = json_of(in_folder(dir, "runs --json --status finished --config tiny"));
  REQUIRE(evals.size() == 3);
  CHECK(evals[0]["verb"] == "evaluate");
  CHECK(evals[0]["test_metrics"]["test_loss"] == json_of(evaluated)["test_loss"]);

  CHECK(json_of(in_folder(dir, "runs rm " + a + " --json"))["removed"] == 1);
  CHECK(json_of(in_folder(dir, "runs --json")).size() == 2);
  CHECK(std::filesystem::exists(dir.path(first["weights"].get<std::string>())));  // files stay
  CHECK(in_folder(dir, "runs show " + a, "", true).out.find("no run '" + a + "'") != std::string::npos);
}

TEST_CASE("registry cli: failed and killed runs are recorded as such, and --no-registry records nothing") {
  TempDir dir;
  small_config(dir);
  const Shell failed = in_folder(dir, "train tiny.yaml --set data.train=missing.csv", "", true);
  CHECK(failed.code == 1);
  const Shell killed = in_folder(dir, "train tiny.yaml --set fit.epochs=3 --set fit.checkpoint.dir=ck",
                                 "YAMLNET_FAULT=kill_after_epoch=1");
  CHECK(killed.code == 128 + 9);
  const auto runs = json_of(in_folder(dir, "runs --json"));
  REQUIRE(runs.size() == 2);
  CHECK(runs[0]["status"] == "killed");
  CHECK(runs[0]["history"].size() == 1);  // the epoch it finished
  CHECK(runs[1]["status"] == "failed");
  CHECK(runs[1]["error"].get<std::string>().find("missing.csv") != std::string::npos);
  CHECK(in_folder(dir, "runs --status killed --json").out.find(runs[0]["id"].get<std::string>()) !=
        std::string::npos);

  // Bytes that are not UTF-8 in an override are kept as U+FFFD, not an internal error.
  const Shell latin1 = in_folder(dir, "train tiny.yaml --set \"description=caf$(printf '\\351')\"", "", true);
  CHECK(latin1.out.find("internal error") == std::string::npos);
  const auto latest = json_of(in_folder(dir, "runs --json --limit 1"));
  CHECK(latest[0]["overrides"][0] == "description=caf\xef\xbf\xbd");
  CHECK(in_folder(dir, "runs rm " + latest[0]["id"].get<std::string>()).code == 0);

  REQUIRE(in_folder(dir, "train tiny.yaml --no-registry --registry other.sqlite").code == 0);
  CHECK_FALSE(std::filesystem::exists(dir.path("other.sqlite")));
  CHECK(json_of(in_folder(dir, "runs --json")).size() == 2);
}

TEST_CASE("registry cli: a damaged registry is one error for runs and loses no training") {
  TempDir dir;
  small_config(dir);
  dir.write("reg.sqlite", std::string(4096, 'z'));
  const Shell trained = in_folder(dir, "train tiny.yaml", "", true);
  CHECK(trained.code == 0);
  CHECK(trained.out.find("warning: run not recorded in the run registry") != std::string::npos);
  CHECK(std::filesystem::exists(dir.path("runs/tiny/tiny.weights.json")));  // the usual path, no run folder
  const Shell listed = in_folder(dir, "runs", "", true);
  CHECK(listed.code == 1);
  CHECK(listed.out.find("reg.sqlite: run registry:") != std::string::npos);
  CHECK(listed.out.find("internal error") == std::string::npos);
}

TEST_CASE("registry cli: parallel trainings into one registry all land") {
  TempDir dir;
  small_config(dir);
  const std::string one = std::string(YAMLNET_BINARY) + " train tiny.yaml --set fit.epochs=3 >/dev/null 2>&1";
  const std::string command = "cd " + dir.path("") + " && export YAMLNET_REGISTRY=" + dir.path("reg.sqlite") +
                              " && (" + one + " & " + one + " & " + one + " & " + one + " & wait)";
  REQUIRE(std::system(command.c_str()) == 0);
  const auto runs = json_of(in_folder(dir, "runs --json"));
  REQUIRE(runs.size() == 4);
  for (const auto& r : runs) {
    CHECK(r["status"] == "finished");
    CHECK(r["history"].size() == 3);
    CHECK(std::filesystem::exists(dir.path(r["weights_path"].get<std::string>())));
  }
}

TEST_CASE("registry cli: a sweep runs every trial as a recorded run and names the best") {
  TempDir dir;
  small_config(dir);
  const Shell swept =
      in_folder(dir,
                "sweep tiny.yaml --grid fit.batch_size=4,8 --random 'layers.hidden.units=int(2,6)' "
                "-n 2 --parallel 2 --seed 5 --metric val_accuracy --json");
  REQUIRE(swept.code == 0);
  const auto j = json_of(swept);
  REQUIRE(j["trials"].size() == 4);
  const std::string sweep = j["sweep_id"];
  double top = -1;
  for (const auto& t : j["trials"]) {
    CHECK(t["status"] == "finished");
    top = std::max(top, t["val_accuracy"].get<double>());
  }
  CHECK(j["best"]["final_metrics"]["val_accuracy"] == top);
  const auto runs = json_of(in_folder(dir, "runs --json --sweep " + sweep));
  REQUIRE(runs.size() == 4);
  for (const auto& r : runs) {
    CHECK(r["sweep_id"] == sweep);
    // Two trials at once on this machine's cores: each had its share.
    CHECK(r["overrides"].back().get<std::string>().rfind("threads=", 0) == 0);
  }
  CHECK(j["trials"][0]["overrides"][0] == "fit.batch_size=4");
  CHECK(j["trials"][3]["overrides"][0] == "fit.batch_size=8");
  CHECK(std::filesystem::exists(dir.path("sweeps/" + sweep + "/trial-3.log")));

  // A bad key fails before any trial runs, naming the key.
  const Shell bad = in_folder(dir, "sweep tiny.yaml --grid layers.nope.units=1,2", "", true);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("nope") != std::string::npos);
  CHECK(json_of(in_folder(dir, "runs --json")).size() == 4);
}

TEST_CASE("registry cli: a killed sweep resumes with the trials that did not finish") {
  TempDir dir;
  small_config(dir);
  const Shell killed = in_folder(dir, "sweep tiny.yaml --grid layers.hidden.units=2,3,4 --json",
                                 "YAMLNET_FAULT=kill_sweep_after=1");
  CHECK(killed.code == 128 + 9);
  const auto before = json_of(in_folder(dir, "runs --json"));
  REQUIRE(before.size() == 1);
  const std::string sweep = before[0]["sweep_id"], first_run = before[0]["id"];
  const Shell resumed = in_folder(dir, "sweep --resume " + sweep + " --json");
  REQUIRE(resumed.code == 0);
  const auto j = json_of(resumed);
  REQUIRE(j["trials"].size() == 3);
  CHECK(j["trials"][0]["run_id"] == first_run);  // not run again
  for (const auto& t : j["trials"]) CHECK(t["status"] == "finished");
  CHECK(json_of(in_folder(dir, "runs --json")).size() == 3);
}
