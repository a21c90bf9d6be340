// `yamlnet export-keras --format tfjs`: every config of configs/ and configs/seeds/, exported with its
// initial weights, is loaded by TF.js's own loadLayersModel and predicts what yamlnet predicts (1e-6);
// configs with a layer no Keras has are reported by name. The export's topology reads back through `yamlnet
// import` as the same model, and models TF.js builds and saves itself import with their weights.
#include "interpreter/io/keras_export.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "interpreter/app/session.hpp"
#include "interpreter/core/random.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/keras_json.hpp"
#include "interpreter/io/tfjs_import.hpp"
#include "interpreter/io/weights.hpp"
#include "layers/core/input_layer.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

// Random rows for each input: ids below the Embedding's input_dim, floats in [-1, 1].
void feed_random_rows(Model& model, Index rows, uint64_t seed) {
  Random rng(seed);
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    const Node& node = model.input_node(i);
    Tensor& buffer = model.input_buffer(i);
    buffer.resize(with_batch(rows, node.output_shapes[0]));
    const auto* input = dynamic_cast<const InputLayer*>(node.layer.get());
    const bool integer = input && input->is_integer();
    const std::optional<IdLimit> limit = integer ? model.input_id_limit(i) : std::nullopt;
    for (Real& v : buffer.data)
      v = integer ? static_cast<Real>(rng.below(static_cast<uint64_t>(limit ? limit->limit : 2)))
                  : static_cast<Real>(rng.uniform(-1, 1));
  }
}

nlohmann::json tensor_json(const Tensor& t) {
  return {{"shape", t.shape}, {"data", std::vector<double>(t.data.begin(), t.data.end())}};
}

std::vector<std::string> config_files() {
  std::vector<std::string> files;
  for (const char* folder : {"configs", "configs/seeds"})
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path(YAMLNET_SOURCE_DIR) / folder))
      if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("export-keras tfjs: TF.js loads every exportable config and predicts what yamlnet predicts") {
  const std::string node = YAMLNET_NODE;
  const std::string checker =
      std::string(YAMLNET_SOURCE_DIR) + "/tests/golden/generator/check_tfjs_model.cjs";
  if (!std::filesystem::exists(node) ||
      !std::filesystem::exists(std::string(YAMLNET_SOURCE_DIR) + "/tests/golden/generator/node_modules")) {
    MESSAGE("skipped: node or the pinned TF.js (npm ci --prefix tests/golden/generator) is not installed");
    return;
  }
  int checked = 0;
  for (const std::string& file : config_files()) {
    CAPTURE(file);
    Model model(load_model_spec(file));
    model.initialize(model.spec().seed);
    TempDir dir;
    try {
      write_tfjs_model(model, dir.path("tfjs"));
    } catch (const ConfigError& e) {
      MESSAGE("not exported (no Keras form): " << std::string(e.what()));
      continue;
    }
    feed_random_rows(model, model.fixed_batch_size().value_or(3), 11);
    model.forward(RunContext{});
    nlohmann::json testcase{{"inputs", nlohmann::json::array()}, {"outputs", nlohmann::json::array()}};
    for (size_t i = 0; i < model.num_inputs(); ++i)
      testcase["inputs"].push_back(tensor_json(model.input_buffer(i)));
    for (size_t k = 0; k < model.num_outputs(); ++k)
      testcase["outputs"].push_back(tensor_json(model.output(k)));
    write_file_atomically(dir.path("case.json"), testcase.dump());
    const std::string command = node + " " + checker + " " + dir.path("tfjs") + " " + dir.path("case.json") +
                                " > " + dir.path("log.txt") + " 2>&1";
    const int status = std::system(command.c_str());
    const std::string log = slurp(dir.path("log.txt"));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
      MESSAGE("not checked: " << log);  // a layer stock TF.js lacks, named
      continue;
    }
    INFO(log);
    CHECK(status == 0);
    ++checked;
  }
  CHECK(checked >= 12);
}

TEST_CASE("import: models built and saved by TF.js itself predict in yamlnet what they predict in TF.js") {
  const std::string node = YAMLNET_NODE;
  const std::string generator = std::string(YAMLNET_SOURCE_DIR) + "/tests/golden/generator/";
  if (!std::filesystem::exists(node) || !std::filesystem::exists(generator + "node_modules")) {
    MESSAGE("skipped: node or the pinned TF.js (npm ci --prefix tests/golden/generator) is not installed");
    return;
  }
  TempDir dir;
  const std::string command =
      node + " " + generator + "save_tfjs_model.cjs " + dir.path("") + " > " + dir.path("log.txt") + " 2>&1";
  const int status = std::system(command.c_str());
  INFO(slurp(dir.path("log.txt")));
  REQUIRE(status == 0);
  for (const char* name : {"mlp", "tagger"}) {
    CAPTURE(name);
    const std::string model_json = dir.path(std::string(name) + "/model.json");
    const auto json = nlohmann::ordered_json::parse(slurp(model_json));
    Model model(parse_model_spec(keras_json_to_yaml(json["modelTopology"], model_json), "imported.yaml"));
    assign_imported_weights(model, read_tfjs_weights(json, model_json), model_json);
    const auto testcase = nlohmann::json::parse(slurp(dir.path(std::string(name) + "/case.json")));
    for (size_t i = 0; i < model.num_inputs(); ++i) {
      Shape shape;
      for (const auto& d : testcase["inputs"][i]["shape"]) shape.push_back(d.get<Index>());
      Tensor& buffer = model.input_buffer(i);
      buffer.resize(shape);
      const auto values = testcase["inputs"][i]["data"].get<std::vector<double>>();
      std::copy(values.begin(), values.end(), buffer.data.begin());
    }
    model.forward(RunContext{});
    const auto expected = testcase["outputs"][0]["data"].get<std::vector<double>>();
    REQUIRE(static_cast<size_t>(model.output(0).size()) == expected.size());
    for (size_t v = 0; v < expected.size(); ++v)
      CHECK(model.output(0).data[v] == doctest::Approx(expected[v]).epsilon(1e-6));
  }
}

TEST_CASE("export-keras: the topology imports back as the same model, a layer no Keras has is named") {
  Model model(load_model_spec(std::string(YAMLNET_SOURCE_DIR) + "/configs/fashion_gru_bidirectional.yaml"));
  const std::string yaml = keras_json_to_yaml(keras_topology(model), "exported.json");
  Model back(parse_model_spec(yaml, "back.yaml"));
  REQUIRE(back.nodes().size() == model.nodes().size());
  for (size_t n = 0; n < model.nodes().size(); ++n) {
    CHECK(back.nodes()[n].layer->name() == model.nodes()[n].layer->name());
    CHECK(back.nodes()[n].output_shapes == model.nodes()[n].output_shapes);
  }
  auto params = model.parameters(), back_params = back.parameters();
  REQUIRE(params.size() == back_params.size());
  for (size_t p = 0; p < params.size(); ++p) CHECK(params[p].key == back_params[p].key);

  Model pooled(load_model_spec(std::string(YAMLNET_SOURCE_DIR) + "/configs/seeds/youtube_dnn.yaml"));
  try {
    keras_topology(pooled);
    FAIL("SequencePooling was exported");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("layer 'hist_emb' (SequencePooling): no Keras layer computes this") !=
          std::string::npos);
  }
}

TEST_CASE(
    "export-keras: shard says how a table runs, so Keras files and the architecture hash leave it out") {
  const std::string text = slurp(std::string(YAMLNET_SOURCE_DIR) + "/configs/ncf_neumf.yaml");
  std::string sharded = text;
  for (size_t at = 0; (at = sharded.find("stddev: 0.01}}", at)) != std::string::npos; at += 10)
    sharded.replace(at, 14, "stddev: 0.01}, shard: rows}");
  REQUIRE(sharded != text);
  const ModelSpec whole_spec = parse_model_spec(text, "whole.yaml");
  const ModelSpec split_spec = parse_model_spec(sharded, "split.yaml");
  CHECK(spec_sha256(whole_spec) == spec_sha256(split_spec));
  Model whole(whole_spec), split(split_spec);
  const std::string exported = keras_topology(split).dump();
  CHECK(exported.find("shard") == std::string::npos);
  CHECK(exported == keras_topology(whole).dump());
}

TEST_CASE("import: a TF.js model with short shards, missing or misshapen weights is one clear error") {
  Model model(load_model_spec(std::string(YAMLNET_SOURCE_DIR) + "/configs/fashion_mlp.yaml"));
  model.initialize(1);
  TempDir dir;
  write_tfjs_model(model, dir.path("m"));
  const std::string path = dir.path("m/model.json");
  auto json = nlohmann::ordered_json::parse(slurp(path));
  const std::string shard = slurp(dir.path("m/group1-shard1of1.bin"));
  write_file_atomically(dir.path("m/group1-shard1of1.bin"), shard.substr(0, shard.size() - 4));
  CHECK_THROWS_WITH_AS(read_tfjs_weights(json, path), doctest::Contains("the shards end before weight"),
                       DataError);
  write_file_atomically(dir.path("m/group1-shard1of1.bin"), shard);
  ImportedWeights weights = read_tfjs_weights(json, path);
  weights.tensors.pop_back();                       // probabilities/bias
  weights.tensors[0].second.shape = {28 * 28, 64};  // hidden/kernel misshapen
  weights.tensors.emplace_back("extra/kernel", Tensor({1}));
  CHECK_THROWS_WITH_AS(
      assign_imported_weights(model, weights, path),
      doctest::Contains("weight 'hidden/kernel' is (784, 64), the model's (784, 128); no weight "
                        "'probabilities/bias'; weight 'extra/kernel' belongs to no layer"),
      DataError);
  json["weightsManifest"][0]["weights"][0]["dtype"] = "int32";
  CHECK_THROWS_WITH_AS(read_tfjs_weights(json, path), doctest::Contains("yamlnet reads float32 weights"),
                       DataError);
}
