// The invalid-input corpus beyond configs: data files (tests/inputs/data) and weights files
// (tests/inputs/weights). Each is listed in its folder's expect.txt as `FILE: expected message`, where the
// message names the file and its line or row; none may crash.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "interpreter/app/session.hpp"
#include "interpreter/data/sources.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/weights.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

const std::string kInputs = std::string(YAMLNET_SOURCE_DIR) + "/tests/inputs/";

std::vector<std::pair<std::string, std::string>> expectations(const std::string& folder) {
  std::vector<std::pair<std::string, std::string>> out;
  std::ifstream in(kInputs + folder + "/expect.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto colon = line.find(": ");
    out.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  return out;
}

// A tabular classifier for .csv cases, an NCF model for .feedback.tsv logs, a next-item model for other .tsv
// interaction logs.
std::string config_for(const std::string& path) {
  if (path.find(".feedback.tsv") != std::string::npos)
    return "name: t\ninputs: {user: {shape: [1], dtype: int32}, item: {shape: [1], dtype: int32}}\nlayers:\n"
           "  - {name: users, type: Embedding, inputs: user, input_dim: 5, output_dim: 2}\n"
           "  - {name: items, type: Embedding, inputs: item, input_dim: 4, output_dim: 2}\n"
           "  - {name: both, type: Dot, inputs: [users, items], axes: -1}\n"
           "  - {name: flat, type: Flatten}\n  - {name: out, type: Dense, units: 1, activation: sigmoid}\n"
           "compile: {loss: binary_crossentropy}\n"
           "data: {type: implicit_feedback, path: " +
           path + ", user_input: user, item_input: item}\n";
  if (path.size() > 4 && path.substr(path.size() - 4) == ".csv")
    return "name: t\ninputs: {features: {shape: [3]}}\nlayers: [{name: out, type: Dense, units: 2, "
           "activation: "
           "softmax}]\ncompile: {loss: sparse_categorical_crossentropy}\n"
           "data: {type: csv, columns: {features: [a, b, c], out: [label]}, train: " +
           path + "}\n";
  return "name: t\ninputs: {history: {shape: [4], dtype: int32}, user: {shape: [1], dtype: int32}}\nlayers:\n"
         "  - {name: items, type: Embedding, inputs: history, input_dim: 10, output_dim: 2, mask_zero: "
         "true}\n"
         "  - {name: pooled, type: GlobalAveragePooling1D}\n"
         "  - {name: users, type: Embedding, inputs: user, input_dim: 5, output_dim: 2}\n"
         "  - {name: flat, type: Flatten}\n  - {name: both, type: Concatenate, inputs: [pooled, flat]}\n"
         "  - {name: vec, type: Dense, units: 2}\n"
         "compile: {loss: {type: sampled_softmax, item_embedding: items, num_sampled: 2}}\n"
         "data: {type: next_item_sequences, path: " +
         path + ", max_len: 4, user_input: user}\n";
}

}  // namespace

TEST_CASE("invalid data files: each is an error naming the file and its line") {
  const auto cases = expectations("data");
  CHECK(cases.size() >= 12);
  TempDir dir;
  for (const auto& entry : cases) {
    const std::string& name = entry.first;
    const std::string& expected = entry.second;
    CAPTURE(name);
    const std::string path = "tests/inputs/data/" + name;
    const std::string config = dir.write("c.yaml", config_for(path));
    std::string message;
    try {
      RunOptions options(config, {"fit.verbose=0"}, "", dir.path("w.json"));
      run_train(options, nullptr);
    } catch (const Error& e) {
      message = e.what();
    }
    CHECK_MESSAGE(message.find(expected) != std::string::npos, "got: " << message);
  }
}

TEST_CASE("invalid weights files: each is an error naming the file and what is wrong") {
  const auto cases = expectations("weights");
  CHECK(cases.size() >= 10);
  // The model the good weights fit: Dense(3 -> 2).
  const ModelSpec spec = parse_model_spec(
      "name: w\ninputs: {x: {shape: [3]}}\nlayers: [{name: d, type: Dense, units: 2}]\n", "w.yaml");
  for (const auto& entry : cases) {
    const std::string& name = entry.first;
    const std::string& expected = entry.second;
    CAPTURE(name);
    Model model(spec);
    model.initialize(1);
    std::string message;
    try {
      load_weights(model, "tests/inputs/weights/" + name);
    } catch (const Error& e) {
      message = e.what();
    }
    CHECK_MESSAGE(message.rfind("tests/inputs/weights/" + name, 0) == 0, "got: " << message);
    CHECK_MESSAGE(message.find(expected) != std::string::npos, "got: " << message);
    // The model-free reader (diff, weights-summary) rejects what is not a weights file too, without crashing.
    if (name.find("json") != std::string::npos && message.find("does not fit") == std::string::npos)
      CHECK_THROWS_AS(read_weights_file("tests/inputs/weights/" + name), WeightsError);
  }
}

TEST_CASE("malformed .npy headers: each is a DataError naming the file and what is wrong") {
  TempDir dir;
  // A version 1.0 header: magic, version, little-endian length, the dict text, then the data bytes.
  const auto npy = [&](const std::string& name, const std::string& dict, size_t data_bytes) {
    std::string bytes = "\x93NUMPY";
    bytes += '\x01';
    bytes += '\x00';
    bytes += static_cast<char>(dict.size() & 0xff);
    bytes += static_cast<char>((dict.size() >> 8) & 0xff);
    bytes += dict;
    bytes.append(data_bytes, '\0');
    return dir.write(name, bytes);
  };
  const std::vector<std::pair<std::string, std::string>> cases{
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", "shape entry 'x' is not a size"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 2), }",
       "shape entry '99999999999999999999' is not a size"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", "shape entry '-3' is not a size"},
      {"{'descr': '<fz', 'fortran_order': False, 'shape': (2, 2), }", "unsupported dtype '<fz'"},
      {"{'descr': <f4, 'fortran_order': False, 'shape': (2, 2), }", "'descr' is not a quoted dtype"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': 4, }", "'shape' is not a tuple"},
      {"{'descr': '<f4', 'fortran_order': False}", "no 'shape'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 100000000000), }",
       "the header promises 10000000000000000000000 values"},
  };
  int index = 0;
  for (const auto& entry : cases) {
    const std::string& dict = entry.first;
    const std::string& expected = entry.second;
    CAPTURE(dict);
    const std::string path = npy("case" + std::to_string(index++) + ".npy", dict, 16);
    std::string message;
    try {
      read_npy(path);
    } catch (const DataError& e) {
      message = e.what();
    }
    CHECK_MESSAGE(message.rfind(path + ": error: ", 0) == 0, "got: " << message);
    CHECK_MESSAGE(message.find(expected) != std::string::npos, "got: " << message);
  }
  // A folder where a file is expected.
  std::filesystem::create_directory(dir.path("folder.npy"));
  CHECK_THROWS_WITH_AS(read_npy(dir.path("folder.npy")), doctest::Contains("is a folder, not a data file"),
                       DataError);
}
