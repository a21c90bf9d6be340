// `yamlnet export-keras --format tfjs`: every config of configs/ and configs/seeds/, exported with its
// initial weights, is loaded by TF.js's own loadLayersModel and predicts what yamlnet predicts (1e-6);
// configs with a layer no Keras has are reported by name. The export's topology reads back through `yamlnet
// import` as the same model.
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

TEST_CASE("export-keras: the topology imports back as the same model; a layer no Keras has is named") {
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
