// The `yamlnet` binary end to end: train one epoch, reload, evaluate to the same numbers; exit codes;
// predict.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

using namespace yamlnet::testing;

namespace {

using Result = ShellResult;

// Runs the binary with `args` after `env_prefix` (e.g. "env YAMLNET_FAULT=... "); stdout is captured,
// stderr is folded in when `with_stderr`.
Result run_with_env(const std::string& env_prefix, const std::string& args, bool with_stderr = false) {
  return run_shell(env_prefix + std::string(YAMLNET_BINARY) + " " + args +
                   (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

Result run(const std::string& args, bool with_stderr = false) {
  return run_with_env("", args, with_stderr);
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
    "cli: predict writes one row per sample, init writes seeded weights, summary prints Keras's table") {
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
  CHECK(text.rfind("row,out\n0,", 0) == 0);  // row ids first, as export writes them
  const std::string npy = dir.path("p.npy");
  REQUIRE(run("predict " + config + " --weights " + weights + " -o " + npy).code == 0);
  CHECK(slurp(npy).size() == 128 + 50 * 4);  // header padded to 128 bytes, then 50 float32 values
  const Result summary = run("summary " + config);
  CHECK(summary.code == 0);
  CHECK(summary.out.find(" hidden (Dense)") != std::string::npos);
  CHECK(summary.out.find("Total params: 41") != std::string::npos);
}

TEST_CASE("cli: predict and export reach any layer output (`lstm:1`) and write masks with --masks") {
  TempDir dir;
  const std::string data = dir.write("s.csv", "a,b,c,y\n1,2,0,1\n3,0,0,0\n");
  const std::string config =
      dir.write("seq.yaml",
                "name: seq\nseed: 3\ninputs: {items: {shape: [3], dtype: int32}}\nlayers:\n"
                "  - {name: emb, type: Embedding, input_dim: 4, output_dim: 2, mask_zero: true}\n"
                "  - {name: lstm, type: LSTM, units: 2, return_sequences: true, return_state: true}\n"
                "  - {name: pooled, type: GlobalAveragePooling1D, inputs: 'lstm:0'}\n"
                "  - {name: out, type: Dense, units: 1, activation: sigmoid}\n"
                "compile: {loss: bce}\ndata: {type: csv, columns: {items: [a, b, c], out: [y]}, test: " +
                    data + "}\n");
  const std::string weights = dir.path("w.json");
  REQUIRE(run("init " + config + " -o " + weights).code == 0);
  const std::string states = dir.path("states.csv");
  const Result predicted = run(
      "predict " + config + " --weights " + weights + " --outputs lstm:0 lstm:2 --masks -o " + states, true);
  REQUIRE(predicted.code == 0);
  // Steps at id 0 are masked: row 1 keeps steps 0 and 1, row 2 only step 0. The state has no mask.
  const std::string text = slurp(states);
  CHECK(text.substr(0, text.find('\n')) ==
        "row,lstm:0_0,lstm:0_1,lstm:0_2,lstm:0_3,lstm:0_4,lstm:0_5,lstm:2_0,lstm:2_1,lstm:0_mask_0,"
        "lstm:0_mask_1,lstm:0_mask_2");
  CHECK(text.find(",1,1,0\n1,") != std::string::npos);
  CHECK(text.substr(text.size() - 7) == ",1,0,0\n");
  CHECK(predicted.out.find("predict --masks: no mask reaches lstm:2") != std::string::npos);
  const Result wrong =
      run("export " + config + " --weights " + weights + " --outputs lstm:3 -o " + states, true);
  CHECK(wrong.code == 2);
  CHECK(wrong.out.find("export --outputs: layer 'lstm' has 3 outputs (lstm:0 to lstm:2), not 'lstm:3'") !=
        std::string::npos);
}

TEST_CASE(
    "cli: import writes a config that trains, a file that is not a Keras model is exit 1, nothing written") {
  TempDir dir;
  const std::string source = std::string(YAMLNET_SOURCE_DIR) + "/tests/inputs/keras/sequential_keras2.json";
  const std::string config = dir.path("imported.yaml");
  REQUIRE(run("import " + source + " -o " + config).code == 0);
  CHECK(run("summary " + config).out.find("Total params: 874") != std::string::npos);  // 16*32+32 + 32*10+10
  const std::string junk = dir.write("junk.json", "{\"class_name\": \"Functional\", \"config\": ");
  const Result bad = run("import " + junk + " -o " + dir.path("junk.yaml"), true);
  CHECK(bad.code == 1);
  CHECK(bad.out.find("not a Keras model (JSON, .keras or .h5)") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path("junk.yaml")));
  const Result lambda = run("import " + std::string(YAMLNET_SOURCE_DIR) +
                                "/tests/inputs/keras/unsupported.json -o " + dir.path("odd.yaml"),
                            true);
  CHECK(lambda.code == 1);
  CHECK(lambda.out.find("layer 'double' (Lambda): yamlnet has no Lambda layer") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path("odd.yaml")));
}

// Why a config of configs/ cannot be written in a format: its words in the error.
std::string inexpressible(const std::string& config, const std::string& format) {
  if (config.find("seeds/youtube_dnn") != std::string::npos) return "SequencePooling";  // no Keras has it
  // Keras 1's hard_sigmoid (LSTM's and GRU's default gate) is not Keras 3's.
  if (format == "keras" && config.find("seeds/keras1_") != std::string::npos) return "hard_sigmoid";
  return "";
}

TEST_CASE(
    "cli: every config through export-keras and import (.keras, .h5, TF.js) gives back the same model") {
  TempDir dir;
  std::vector<std::string> configs;
  for (const char* folder : {"configs", "configs/seeds"})
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(YAMLNET_SOURCE_DIR) + "/" + folder))
      if (entry.path().extension() == ".yaml") configs.push_back(entry.path().string());
  std::sort(configs.begin(), configs.end());
  REQUIRE(configs.size() >= 17);
  for (const std::string& config : configs) {
    const std::string weights = dir.path("w.json"), back = dir.path("back.json");
    REQUIRE(run("init " + config + " -o " + weights).code == 0);
    for (const std::string format : {"keras", "h5", "tfjs"}) {
      CAPTURE(config);
      CAPTURE(format);
      const std::string out = dir.path(format == "tfjs" ? "tfjs" : "model." + format);
      const Result exported = run("export-keras " + config + " --weights " + weights + " -o " + out, true);
      if (const std::string why = inexpressible(config, format); !why.empty()) {
        CHECK(exported.code != 0);
        CHECK(exported.out.find(why) != std::string::npos);
        continue;
      }
      REQUIRE(exported.code == 0);
      std::filesystem::remove(back);
      const std::string model = format == "tfjs" ? out + "/model.json" : out;
      REQUIRE(run("import " + model + " -o " + dir.path("back.yaml") + " --weights-out " + back).code == 0);
      // The weights file records the model's hash (every layer, input and resolved argument): equal bytes
      // are equal values of the same model.
      CHECK(slurp(back) == slurp(weights));
    }
  }
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

TEST_CASE("cli: diff of weights (per tensor, top rows, tolerances, exit 0/1/2) and of configs") {
  TempDir dir;
  const std::string config = make_config(dir);
  const std::string a = dir.path("a.weights.json"), b = dir.path("b.weights.json");
  REQUIRE(run("init " + config + " -o " + a).code == 0);
  // B: A with row 2 of the hidden kernel moved by 0.5 and the bias moved by 1e-6.
  std::string text = slurp(a);
  const auto kernel = text.find("\"hidden/kernel\"");
  const auto row2 = text.find("\n      [", text.find("\n      [", text.find("\n      [", kernel) + 1) + 1);
  const auto first_value = row2 + 8;
  const auto comma = text.find(',', first_value);
  const double value = std::stod(text.substr(first_value, comma - first_value));
  text.replace(first_value, comma - first_value, std::to_string(value + 0.5));
  const auto bias = text.find("\"out/bias\"");
  const auto bias_value = text.find("[0", text.find("\"data\"", bias));
  text.replace(bias_value, 2, "[0.000001");
  dir.write("b.weights.json", text);

  CHECK(run("diff " + a + " " + a).code == 0);
  const Result differ = run("diff " + a + " " + b + " --top 1");
  CHECK(differ.code == 1);
  CHECK(differ.out.find("rows that moved most: 2 (0.5") != std::string::npos);
  CHECK(differ.out.find("1/24") != std::string::npos);  // one kernel entry changed out of 3 x 8
  const auto j = nlohmann::json::parse(run("diff " + a + " " + b + " --json --atol 1e-5").out);
  CHECK(j["equal"] == false);
  for (const auto& t : j["tensors"])
    if (t["name"] == "out/bias") CHECK(t["changed"] == 0);  // within atol
  // A change within the tolerance is no change: exit 0.
  std::string bias_only = slurp(a);
  bias_only.replace(bias_only.find("[0", bias_only.find("\"data\"", bias_only.find("\"out/bias\""))), 2,
                    "[0.000001");
  const std::string c = dir.write("c.weights.json", bias_only);
  CHECK(run("diff " + a + " " + c).code == 1);
  CHECK(run("diff " + a + " " + c + " --atol 1e-5").code == 0);
  const Result broken = run("diff " + a + " " + dir.write("broken.json", "{\"format\": 1"));
  CHECK(broken.code == 2);

  // Configs: changed keys by layer name.
  const std::string wider =
      dir.write("wider.yaml", slurp(config).replace(slurp(config).find("units: 8"), 8, "units: 4"));
  const Result keys = run("diff " + config + " " + wider);
  CHECK(keys.code == 1);
  CHECK(keys.out == "~ layers.hidden.units: 8 -> 4\n");
  CHECK(run("diff " + config + " " + config).code == 0);
}

TEST_CASE("cli: weights-summary as a git textconv: git diff shows per-tensor summaries") {
  TempDir dir;
  const std::string config = make_config(dir);
  const std::string repo = dir.path("repo");
  const std::string git = "git -C " + repo + " ";
  REQUIRE(std::system(("git init -q " + repo).c_str()) == 0);
  dir.write("repo/.gitattributes", "*.weights.json diff=yamlnet\n");
  std::string textconv = "'";
  textconv.append(YAMLNET_BINARY).append(" weights-summary'");
  REQUIRE(std::system((git + "config diff.yamlnet.textconv " + textconv).c_str()) == 0);
  REQUIRE(run("init " + config + " -o " + repo + "/m.weights.json").code == 0);
  REQUIRE(std::system(
              (git + "add -A && " + git + "-c user.name=t -c user.email=t@t commit -qm one").c_str()) == 0);
  REQUIRE(run("init " + config + " -o " + repo + "/m.weights.json --set seed=8").code == 0);
  const std::string out = run_shell(git + "diff").out;
  CHECK(out.find("-hidden/kernel (3, 8) mean") != std::string::npos);
  CHECK(out.find("+hidden/kernel (3, 8) mean") != std::string::npos);
  CHECK(out.find("[") == std::string::npos);  // summaries, not the JSON rows
}

namespace {

// A run that uses every kind of state a checkpoint must keep: Adam's moments and step count, dropout draws,
// shuffling, early stopping's best value and best weights, the history.
std::string resumable_config(const TempDir& dir) {
  std::string text = slurp(make_config(dir));
  text.replace(
      text.find("fit: {epochs: 1, batch_size: 16}"), std::string::npos,
      "fit:\n  epochs: 6\n  batch_size: 16\n  validation_split: 0.2\n"
      "  callbacks: [{type: early_stopping, monitor: val_loss, patience: 10, restore_best_weights: true}]\n");
  text.replace(text.find("  - {name: out,"), 0, "  - {type: Dropout, rate: 0.3}\n");
  return dir.write("resumable.yaml", text);
}

}  // namespace

TEST_CASE(
    "cli: a run killed (SIGKILL) after an epoch and resumed ends byte-identical to an uninterrupted one") {
  TempDir dir;
  const std::string config = resumable_config(dir);
  auto train = [&](const std::string& name, const std::string& extra, const std::string& fault = "") {
    const std::string env = fault.empty() ? "" : "env YAMLNET_FAULT=" + fault + " ";
    const std::string cmd = "train " + config + " --weights-out " + dir.path(name + ".weights.json") +
                            " --set fit.checkpoint.dir=" + dir.path(name + "_ck") + " --set fit.verbose=0 " +
                            extra;
    return run_with_env(env, cmd);
  };
  REQUIRE(train("full", "").code == 0);
  const std::string full = slurp(dir.path("full.weights.json"));

  const Result killed = train("resumed", "", "kill_after_epoch=3");
  CHECK(killed.code == 128 + 9);  // died by SIGKILL
  CHECK_FALSE(std::filesystem::exists(dir.path("resumed.weights.json")));
  CHECK(std::filesystem::exists(dir.path("resumed_ck/epoch-0003/weights.json")));
  REQUIRE(train("resumed", "--resume " + dir.path("resumed_ck")).code == 0);
  CHECK(slurp(dir.path("resumed.weights.json")) == full);
  CHECK(slurp(dir.path("resumed.history.csv")) == slurp(dir.path("full.history.csv")));
  // keep: 3 (the default) of the checkpoints remain.
  CHECK_FALSE(std::filesystem::exists(dir.path("resumed_ck/epoch-0003")));
  CHECK(std::filesystem::exists(dir.path("resumed_ck/epoch-0006")));

  // A damaged newest checkpoint is named and skipped; the one before it gives the same end result.
  REQUIRE(train("damaged", "", "kill_after_epoch=4").code == 128 + 9);
  const std::string state = dir.path("damaged_ck/epoch-0004/state.json");
  const std::string text = slurp(state);
  dir.write("damaged_ck/epoch-0004/state.json", text.substr(0, text.size() / 2));
  const Result resumed =
      run_with_env("",
                   "train " + config + " --weights-out " + dir.path("damaged.weights.json") +
                       " --set fit.checkpoint.dir=" + dir.path("damaged_ck") +
                       " --set fit.verbose=0 --resume " + dir.path("damaged_ck"),
                   true);
  REQUIRE(resumed.code == 0);
  CHECK(resumed.out.find("damaged_ck/epoch-0004/state.json: not valid JSON") != std::string::npos);
  CHECK(slurp(dir.path("damaged.weights.json")) == full);
}

TEST_CASE("cli: a write killed halfway leaves the previous file intact and loadable") {
  TempDir dir;
  const std::string config = make_config(dir);
  const std::string weights = dir.path("w.weights.json");
  REQUIRE(run("train " + config + " --weights-out " + weights).code == 0);
  const std::string before = slurp(weights);
  const Result killed = run_with_env("env YAMLNET_FAULT=kill_in_write=w.weights.json ",
                                     "train " + config + " --weights-out " + weights + " --set seed=9");
  CHECK(killed.code == 128 + 9);
  CHECK(slurp(weights) == before);
  CHECK(run("evaluate " + config + " --weights " + weights).code == 0);
}

TEST_CASE("cli: a non-finite loss stops training at its step, names it, and writes no weights") {
  TempDir dir;
  std::string text = slurp(make_config(dir));
  text.replace(text.find("optimizer: adam"), 15, "optimizer: {type: sgd, learning_rate: 1e30}");
  const std::string config = dir.write("nan.yaml", text);
  const std::string weights = dir.path("nan.weights.json");
  const Result r = run("train " + config + " --weights-out " + weights + " --set fit.epochs=3", true);
  CHECK(r.code == 1);
  CHECK(r.out.find("the loss became") != std::string::npos);
  CHECK(r.out.find("at epoch 1, step ") != std::string::npos);
  CHECK(r.out.find("No checkpoint was written yet") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(weights));
}

TEST_CASE("cli: graph writes DOT with every layer, shape and connection, svg through Graphviz's dot") {
  TempDir dir;
  const std::string config = make_config(dir);
  const Result dot = run("graph " + config);
  REQUIRE(dot.code == 0);
  CHECK(dot.out.rfind("digraph \"small\" {", 0) == 0);
  CHECK(dot.out.find("features: InputLayer|{input:|output:}|{(None, 3)|(None, 3)}") != std::string::npos);
  CHECK(dot.out.find("hidden: Dense|{input:|output:}|{(None, 3)|(None, 8)}") != std::string::npos);
  CHECK(dot.out.find("n0 -> n1;") != std::string::npos);
  CHECK(dot.out.find("n1 -> n2;") != std::string::npos);
  const std::string svg = dir.path("g.svg");
  const Result rendered = run("graph " + config + " --format svg -o " + svg, true);
  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    CHECK(rendered.code == 0);
    CHECK(slurp(svg).find("<svg") != std::string::npos);
  } else {
    CHECK(rendered.code == 2);
    CHECK(rendered.out.find("apt-get install graphviz") != std::string::npos);
  }
}

TEST_CASE("cli: plot draws a history as an SVG with axes, labels and a legend, not blank once rendered") {
  TempDir dir;
  const std::string config = make_config(dir);
  const std::string weights = dir.path("p.weights.json");
  REQUIRE(run("train " + config + " --weights-out " + weights +
              " --set fit.epochs=6 --set fit.validation_split=0.25 "
              "--set fit.verbose=0")
              .code == 0);
  const std::string svg = dir.path("curves.svg");
  REQUIRE(run("plot " + dir.path("p.history.csv") + " -o " + svg).code == 0);
  const std::string text = slurp(svg);
  for (const char* part : {">epoch</text>", ">loss</text>", ">val_loss</text>", ">accuracy</text>",
                           ">val_accuracy</text>", "stroke-dasharray"})
    CHECK_MESSAGE(text.find(part) != std::string::npos, part);
  // Rendered by an independent SVG renderer (librsvg), the picture has drawn content.
  const std::string png = dir.path("curves.png");
  REQUIRE(std::system(("rsvg-convert -f png -o " + png + " " + svg).c_str()) == 0);
  CHECK(std::system(("/usr/bin/python3 " + std::string(YAMLNET_SOURCE_DIR) + "/tests/plot/png_not_blank.py " +
                     png + " >/dev/null")
                        .c_str()) == 0);
  // Not a history: one error with the file and line.
  const Result bad = run("plot " + config + " -o " + dir.path("x.svg"), true);
  CHECK(bad.code == 1);
  CHECK(bad.out.find("small.yaml:1: error: a history CSV starts with an 'epoch' column") !=
        std::string::npos);
}

TEST_CASE(
    "cli: graph renders through dot without a shell: quotes, spaces and ',' in a file name are just "
    "characters") {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) return;  // the case above covers a missing dot
  TempDir dir;
  const std::string config = make_config(dir);
  // Pasted into a shell command, this name would run `touch pwned` in the working folder.
  const std::string name = "g'; touch pwned; echo 'x y.svg";
  const Result rendered = run_with_env("cd " + dir.path("") + " && ",
                                       "graph " + config + " --format svg -o \"" + name + "\"", true);
  CHECK(rendered.code == 0);
  CHECK(slurp(dir.path(name)).find("<svg") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path("pwned")));
  CHECK_FALSE(std::filesystem::exists(dir.path(name + ".dot")));  // the intermediate DOT file is removed
}

TEST_CASE(
    "cli: predict refuses an output type it cannot write before computing anything, diff refuses bad "
    "tolerances") {
  TempDir dir;
  const std::string config = make_config(dir);
  const std::string weights = dir.path("w.weights.json");
  REQUIRE(run("init " + config + " -o " + weights).code == 0);
  const Result parquet =
      run("predict " + config + " --weights " + weights + " -o " + dir.path("p.parquet"), true);
  CHECK(parquet.code == 2);
  CHECK(parquet.out.find("unknown file type '.parquet'; write .csv or .npy") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path("p.parquet")));
  CHECK(run("predict " + config + " --weights " + weights + " -o " + dir.path("p.csv")).code == 0);
  for (const char* bad : {"--atol nan", "--atol -1", "--rtol inf", "--rtol -0.5"}) {
    const Result r = run("diff " + weights + " " + weights + " " + bad, true);
    CHECK_MESSAGE(r.code == 2, bad);
    CHECK_MESSAGE(r.out.find("a tolerance is a finite number >= 0") != std::string::npos, bad);
  }
  CHECK(run("diff " + weights + " " + weights + " --atol 0 --rtol 1e-6").code == 0);
}

TEST_CASE("cli: plot of a history with no rows, or with no finite value, is an error naming the file") {
  TempDir dir;
  const std::string header_only = dir.write("h.csv", "epoch,loss,val_loss\n");
  Result r = run("plot " + header_only + " -o " + dir.path("h.svg"), true);
  CHECK(r.code == 1);
  CHECK(r.out.find("h.csv: error: the history has no rows: no epoch finished") != std::string::npos);
  const std::string no_finite = dir.write("n.csv", "epoch,loss\n0,nan\n1,inf\n2,\n");
  r = run("plot " + no_finite + " -o " + dir.path("n.svg"), true);
  CHECK(r.code == 1);
  CHECK(r.out.find("n.csv: error: the history has no finite value to draw") != std::string::npos);
  const std::string bad_epoch = dir.write("e.csv", "epoch,loss\ninf,0.5\n");
  r = run("plot " + bad_epoch + " -o " + dir.path("e.svg"), true);
  CHECK(r.code == 1);
  CHECK(r.out.find("e.csv:2: error: epoch 'inf' is not an epoch number") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path("h.svg")));
}

TEST_CASE("cli: a run's weights, history and config land as one unit") {
  TempDir dir;
  const std::string config = make_config(dir);
  const std::string weights = dir.path("out/w.weights.json");
  const std::string quiet = " --set fit.verbose=0";
  REQUIRE(run("train " + config + " --weights-out " + weights + quiet).code == 0);
  const std::string config_before = slurp(dir.path("out/w.config.yaml"));
  const std::string history_before = slurp(dir.path("out/w.history.csv"));

  SUBCASE("a weights write that fails leaves the previous run's config and history as they were") {
    std::filesystem::remove(weights);
    std::filesystem::create_directories(weights + "/in_the_way");
    const Result failed =
        run("train " + config + " --weights-out " + weights + quiet + " --set fit.epochs=2", true);
    CHECK(failed.code == 1);
    CHECK(failed.out.find("a folder is in the way") != std::string::npos);
    CHECK(slurp(dir.path("out/w.config.yaml")) == config_before);
    CHECK(slurp(dir.path("out/w.history.csv")) == history_before);
  }

  SUBCASE("leftovers of a killed run are removed by the next run") {
    // A pid that no process has (pid_max is at most 2^22).
    const std::string stale_folder = dir.path("out/.w.weights.json.partial-99999999");
    std::filesystem::create_directories(stale_folder);
    dir.write("out/w.weights.json.tmp.99999999", "half a file");
    REQUIRE(run("train " + config + " --weights-out " + weights + quiet).code == 0);
    CHECK_FALSE(std::filesystem::exists(stale_folder));
    CHECK_FALSE(std::filesystem::exists(dir.path("out/w.weights.json.tmp.99999999")));
    for (const auto& entry : std::filesystem::directory_iterator(dir.path("out")))
      CHECK_MESSAGE(entry.path().filename().string().find(".partial-") == std::string::npos, entry.path());
  }

  SUBCASE("two runs writing the same paths leave one run's complete set, never a mix") {
    // Each alone first, to know both sets of bytes (same seed, same build: byte-identical files).
    REQUIRE(run("train " + config + " --weights-out " + dir.path("a/w.weights.json") + quiet).code == 0);
    REQUIRE(run("train " + config + " --weights-out " + dir.path("b/w.weights.json") + quiet +
                " --set fit.epochs=3")
                .code == 0);
    for (int round = 0; round < 3; ++round) {
      const std::string both = dir.path("both/w.weights.json");
      const std::string command = "(" + std::string(YAMLNET_BINARY) + " train " + config + " --weights-out " +
                                  both + quiet + " & " + std::string(YAMLNET_BINARY) + " train " + config +
                                  " --weights-out " + both + quiet +
                                  " --set fit.epochs=3; wait) >/dev/null 2>&1";
      REQUIRE(std::system(command.c_str()) == 0);
      const std::string final_weights = slurp(both);
      const bool is_a = final_weights == slurp(dir.path("a/w.weights.json"));
      const bool is_b = final_weights == slurp(dir.path("b/w.weights.json"));
      REQUIRE((is_a || is_b));
      const std::string side = is_a ? "a" : "b";
      CHECK(slurp(dir.path("both/w.history.csv")) == slurp(dir.path(side + "/w.history.csv")));
      CHECK(slurp(dir.path("both/w.config.yaml")) == slurp(dir.path(side + "/w.config.yaml")));
    }
  }
}
