// The public C++ API (include/yamlnet/) as a consumer sees it: this binary links libyamlnet.so and includes
// nothing but the public headers, so it also proves the library exports what the headers promise.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "yamlnet/yamlnet.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kSource = YAMLNET_SOURCE_DIR;

fs::path api_temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("yamlnet-api-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string read_text(const fs::path& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

int run_command(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str());
}

// A Dense(2) layer over 3 features, with a weights file whose bias is not zero.
struct DenseModel {
  fs::path dir = api_temp_dir("dense");
  fs::path config = dir / "dense.yaml", weights = dir / "dense.weights.json";
  nlohmann::json kernel, bias;
  DenseModel() {
    write_text(config,
               "name: dense_api\nseed: 3\ninputs: {x: {shape: [3]}}\n"
               "layers:\n  - {name: out, type: Dense, units: 2}\noutputs: [out]\n");
    REQUIRE(run_command(std::string(YAMLNET_BINARY) + " init " + config.string() + " -o " +
                        weights.string()) == 0);
    auto file = nlohmann::json::parse(read_text(weights));
    file["weights"]["out/bias"]["data"] = {0.25, -0.5};
    write_text(weights, file.dump());
    kernel = file["weights"]["out/kernel"]["data"];
    bias = file["weights"]["out/bias"]["data"];
  }
  // x W + b for one row, by hand.
  double expected(const std::vector<float>& x, size_t row, int unit) const {
    double y = bias[unit].get<double>();
    for (int j = 0; j < 3; ++j) y += x[row * 3 + j] * kernel[j][unit].get<double>();
    return y;
  }
};

std::vector<float> random_features(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-2, 2);
  std::vector<float> x(n);
  for (auto& v : x) v = u(gen);
  return x;
}

template <class E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("no " << typeid(E).name() << " was thrown");
  return "";
}

}  // namespace

TEST_CASE("LoadedModel: a Dense layer's outputs equal x W + b computed by hand, at any batch size") {
  DenseModel dense;
  const auto model = yamlnet::LoadedModel::load(dense.config.string(), dense.weights.string());
  CHECK(model.name() == "dense_api");
  REQUIRE(model.inputs().size() == 1);
  CHECK(model.inputs()[0].name == "x");
  CHECK(model.inputs()[0].shape == std::vector<std::int64_t>{3});
  CHECK(model.inputs()[0].type == yamlnet::ElementType::float32);
  REQUIRE(model.outputs().size() == 1);
  CHECK(model.outputs()[0].name == "out");
  CHECK(model.outputs()[0].sample_size() == 2);

  // 2500 rows: more than one pass of the workspace (1024 rows), so the pieces must land in place.
  for (std::int64_t batch : {1, 7, 2500}) {
    const auto x = random_features(static_cast<size_t>(batch) * 3, static_cast<unsigned>(batch));
    const yamlnet::InputBuffer in{"x", std::span<const float>(x)};
    const auto y = model.predict(batch, std::span(&in, 1));
    REQUIRE(y.size() == 1);
    REQUIRE(y[0].size() == static_cast<size_t>(batch) * 2);
    for (std::int64_t r = 0; r < batch; ++r)
      for (int u = 0; u < 2; ++u)
        CHECK(y[0][r * 2 + u] == doctest::Approx(dense.expected(x, r, u)).epsilon(1e-6));
  }
  // No rows: nothing to do, and not an error.
  const yamlnet::InputBuffer none{"x", std::span<const float>()};
  CHECK(model.predict(0, std::span(&none, 1))[0].empty());
}

TEST_CASE("LoadedModel: NeuMF predicts what `yamlnet predict` writes, and any layer can be fetched") {
  const fs::path dir = api_temp_dir("neumf");
  const std::string config = kSource + "/configs/ncf_neumf.yaml";
  const std::string data = "data.path=" + kSource + "/../shared/data/ml-100k/u.data";
  // Wide initial embeddings, so that the scores differ from row to row.
  const std::vector<std::string> overrides = {data, "layers.mf_user.embeddings_initializer.stddev=1",
                                              "layers.mlp_item.embeddings_initializer.stddev=1"};
  std::string sets;
  for (const auto& o : overrides) sets += " --set " + o;
  const std::string weights = (dir / "neumf.weights.json").string(), csv = (dir / "scores.csv").string();
  const std::string binary = YAMLNET_BINARY;
  REQUIRE(run_command(binary + " init " + config + sets + " -o " + weights) == 0);
  REQUIRE(run_command(binary + " predict " + config + sets + " --weights " + weights + " -o " + csv) == 0);

  const auto model = yamlnet::LoadedModel::load(config, weights, overrides);
  REQUIRE(model.inputs().size() == 2);
  CHECK(model.inputs()[0].type == yamlnet::ElementType::int32);
  CHECK(model.inputs()[0].id_limit == 944);
  CHECK(model.inputs()[1].id_limit == 1683);
  CHECK(model.layer_output("mlp_4").shape == std::vector<std::int64_t>{8});

  std::vector<std::int32_t> users, items;
  std::vector<double> scores;
  std::ifstream rows(csv);
  std::string line;
  std::getline(rows, line);
  REQUIRE(line == "user,item,score");
  while (std::getline(rows, line) && users.size() < 3000) {
    int user = 0, item = 0;
    double score = 0;
    REQUIRE(std::sscanf(line.c_str(), "%d,%d,%lf", &user, &item, &score) == 3);
    users.push_back(user);
    items.push_back(item);
    scores.push_back(score);
  }
  const auto batch = static_cast<std::int64_t>(users.size());
  const std::vector<yamlnet::InputBuffer> in = {{"user", std::span<const std::int32_t>(users)},
                                                {"item", std::span<const std::int32_t>(items)}};
  std::vector<float> score(users.size()), tower(users.size() * 8);
  const std::vector<yamlnet::OutputBuffer> out = {{"score", score}, {"mlp_4", tower}};
  model.predict(batch, in, out);
  double spread = 0;
  for (size_t r = 0; r < users.size(); ++r) {
    CHECK(score[r] == doctest::Approx(scores[r]).epsilon(1e-6));
    spread = std::max(spread, std::abs(scores[r] - scores[0]));
  }
  CHECK(spread > 0.05);  // the comparison is not between constants
  // The tower of row 5 alone equals its row in the batch.
  std::vector<float> one(8);
  const std::vector<yamlnet::InputBuffer> row5 = {{"user", std::span<const std::int32_t>(&users[5], 1)},
                                                  {"item", std::span<const std::int32_t>(&items[5], 1)}};
  const yamlnet::OutputBuffer tower_out{"mlp_4", one};
  model.predict(1, row5, std::span(&tower_out, 1));
  for (int u = 0; u < 8; ++u) CHECK(one[u] == doctest::Approx(tower[5 * 8 + u]).epsilon(1e-6));
}

TEST_CASE("LoadedModel: every wrong input is a typed error naming what is wrong") {
  const auto model = yamlnet::LoadedModel::load(kSource + "/configs/ncf_neumf.yaml", "");
  const std::vector<std::int32_t> users = {1, 2, 3, 944}, items = {1, 2, 3, 4};
  const std::vector<float> floats = {1, 2, 3, 4};
  using Inputs = std::vector<yamlnet::InputBuffer>;
  auto predict = [&](std::int64_t batch, const Inputs& in) {
    return [&model, batch, in] { model.predict(batch, in); };
  };
  const std::span<const std::int32_t> u(users), i(items);

  CHECK(message_of<yamlnet::UsageError>(predict(4, {{"user", u}})) == "predict: input 'item' is not given");
  CHECK(message_of<yamlnet::UsageError>(predict(4, {{"user", u}, {"item", i}, {"itme", i}})) ==
        "predict: the model has no input 'itme' (its inputs: 'user', 'item')");
  CHECK(message_of<yamlnet::UsageError>(predict(4, {{"user", u}, {"item", i}, {"item", i}})) ==
        "predict: input 'item' is given twice");
  CHECK(
      message_of<yamlnet::UsageError>(predict(4, {{"user", u}, {"item", std::span<const float>(floats)}})) ==
      "predict: input 'item' takes int32 values, not float32");
  CHECK(message_of<yamlnet::UsageError>(predict(5, {{"user", u}, {"item", i}})) ==
        "predict: input 'user' holds 4 values; 5 rows of 1 need 5");
  CHECK(message_of<yamlnet::UsageError>(predict(-1, {{"user", u}, {"item", i}})) ==
        "predict: the batch must not be negative, got -1");
  // The fourth user id is past the Embedding's input_dim: the row is named (1-based).
  const std::string bad_id = message_of<yamlnet::DataError>(predict(4, {{"user", u}, {"item", i}}));
  CHECK(bad_id.find("input 'user'") != std::string::npos);
  CHECK(bad_id.find("row 4") != std::string::npos);
  CHECK(bad_id.find("id 944 is outside [0, 944)") != std::string::npos);

  std::vector<float> small(3);
  const std::vector<std::int32_t> good = {1, 2, 3, 4};
  const Inputs ok = {{"user", std::span<const std::int32_t>(good)}, {"item", i}};
  const yamlnet::OutputBuffer too_small{"score", small}, unknown{"scroe", small};
  CHECK(message_of<yamlnet::UsageError>([&] { model.predict(4, ok, std::span(&too_small, 1)); }) ==
        "predict: output 'score' has room for 3 values; 4 rows of 1 need 4");
  CHECK(message_of<yamlnet::UsageError>([&] { model.predict(4, ok, std::span(&unknown, 1)); }) ==
        "predict: no layer named 'scroe'");
  CHECK(message_of<yamlnet::UsageError>([&] { model.layer_output("mlp_4:1"); }).find("has 1 output") !=
        std::string::npos);
  // Every typed error is also a yamlnet::Error and a std::runtime_error.
  CHECK_THROWS_AS(model.predict(4, Inputs{{"user", u}}), yamlnet::Error);
  CHECK_THROWS_AS(model.predict(4, Inputs{{"user", u}}), std::runtime_error);
}

TEST_CASE("LoadedModel::load: a config's mistakes and a missing weights file are typed errors") {
  const fs::path dir = api_temp_dir("load");
  write_text(dir / "typo.yaml",
             "name: typo\ninputs: {x: {shape: [3]}}\nlayers:\n  - {name: out, type: Dense, unitz: 2}\n"
             "outputs: [out]\n");
  try {
    yamlnet::LoadedModel::load((dir / "typo.yaml").string(), "");
    FAIL("no ConfigError");
  } catch (const yamlnet::ConfigError& e) {
    REQUIRE(e.diagnostics().size() >= 1);
    CHECK(e.diagnostics()[0].loc.line == 4);
    CHECK(e.diagnostics()[0].layer == "out");
    CHECK(std::string(e.what()).find("typo.yaml:4:") != std::string::npos);
  }
  DenseModel dense;
  CHECK_THROWS_AS(yamlnet::LoadedModel::load(dense.config.string(), (dir / "missing.json").string()),
                  yamlnet::Error);
  CHECK_THROWS_AS(yamlnet::LoadedModel::load((dir / "missing.yaml").string(), ""), yamlnet::Error);
}

TEST_CASE("LoadedModel: four threads predicting at once get what one thread gets") {
  DenseModel dense;
  const auto model = yamlnet::LoadedModel::load(kSource + "/configs/ncf_neumf.yaml", "");
  constexpr int kThreads = 4, kCalls = 60;
  // Each call's users and items differ, and so do its batch sizes.
  auto call_inputs = [](int call) {
    std::vector<std::int32_t> users, items;
    for (int r = 0; r < 1 + call % 17; ++r) {
      users.push_back((call * 31 + r * 7) % 944);
      items.push_back((call * 13 + r * 11) % 1683);
    }
    return std::pair(users, items);
  };
  auto run = [&](int call) {
    const auto [users, items] = call_inputs(call);
    const std::vector<yamlnet::InputBuffer> in = {{"user", std::span<const std::int32_t>(users)},
                                                  {"item", std::span<const std::int32_t>(items)}};
    return model.predict(static_cast<std::int64_t>(users.size()), in)[0];
  };
  std::vector<std::vector<float>> alone(kThreads * kCalls), together(kThreads * kCalls);
  for (int c = 0; c < kThreads * kCalls; ++c) alone[c] = run(c);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int c = t; c < kThreads * kCalls; c += kThreads) together[c] = run(c);
    });
  for (auto& t : threads) t.join();
  for (int c = 0; c < kThreads * kCalls; ++c) CHECK(together[c] == alone[c]);
}

TEST_CASE(
    "train() and evaluate(): the history of every epoch, and the test figures evaluate() computes again") {
  const fs::path dir = api_temp_dir("train");
  const fs::path config = dir / "small.yaml";
  write_text(config,
             "name: small\nseed: 5\ninputs: {x: {shape: [4]}}\n"
             "layers:\n  - {name: hidden, type: Dense, units: 8, activation: relu}\n"
             "  - {name: probabilities, type: Dense, units: 3, activation: softmax}\n"
             "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
             "data: {type: generated, samples: 96, test_samples: 32}\nfit: {epochs: 2, batch_size: 16}\n");
  yamlnet::TrainOptions options;
  options.overrides = {"fit.epochs=3"};
  options.weights_out = (dir / "small.weights.json").string();
  std::vector<int> seen;
  options.on_epoch_end = [&](int epoch, const yamlnet::Logs& logs) {
    seen.push_back(epoch);
    CHECK(yamlnet::find_log(logs, "loss").has_value());
  };
  const yamlnet::TrainResult result = yamlnet::train(config.string(), options);
  CHECK(seen == std::vector<int>{0, 1, 2});
  REQUIRE(result.history.size() == 3);
  CHECK(result.history[0][0].first == "loss");
  CHECK(result.weights_path == options.weights_out);
  CHECK(fs::exists(result.weights_path));
  CHECK(fs::exists(result.history_path));
  REQUIRE(yamlnet::find_log(result.test, "loss").has_value());

  const yamlnet::Logs again = yamlnet::evaluate(config.string(), result.weights_path, "test");
  CHECK(*yamlnet::find_log(again, "loss") ==
        doctest::Approx(*yamlnet::find_log(result.test, "loss")).epsilon(1e-6));
  CHECK(*yamlnet::find_log(again, "accuracy") == *yamlnet::find_log(result.test, "accuracy"));
  const auto model = yamlnet::LoadedModel::load(config.string(), result.weights_path);
  CHECK(*yamlnet::find_log(model.evaluate("test"), "loss") == *yamlnet::find_log(again, "loss"));
  CHECK(std::string(yamlnet::version()).find('.') != std::string::npos);
}
