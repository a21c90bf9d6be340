// The weights file: diffable layout, byte-identical round trips, determinism, every mismatch reported at
// once.
#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/sha256.hpp"
#include "interpreter/io/weights.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

const char* kConfig = R"(name: small
seed: 3
inputs:
  ids: {shape: [2], dtype: int32}
layers:
  - {name: emb, type: Embedding, input_dim: 5, output_dim: 3}
  - {name: flat, type: Flatten}
  - {name: out, type: Dense, units: 2}
)";

}  // namespace

TEST_CASE("floats are written as the shortest text that reads back to the same float32") {
  CHECK(format_float(0.1f) == "0.1");
  CHECK(format_float(1.0f) == "1");
  CHECK(format_float(-2.5e-8f) == "-2.5e-08");
  std::mt19937 gen(1);
  std::uniform_real_distribution<float> dist(-10.f, 10.f);
  for (int i = 0; i < 1000; ++i) {
    const float v = dist(gen);
    CHECK(std::stof(format_float(v)) == v);
  }
}

TEST_CASE("sha256 matches the FIPS 180-4 examples") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex(std::string(1000, 'a')) ==
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST_CASE("weights JSON: graph order, one row per line, byte-identical save -> load -> save") {
  TempDir dir;
  Model model(parse_model_spec(kConfig, "small.yaml"));
  model.initialize(3);
  const std::string text = weights_to_json(model);
  CHECK(text.find("\"format\": \"yamlnet.weights\"") != std::string::npos);
  CHECK(text.find("\"emb/embeddings\"") < text.find("\"out/kernel\""));
  CHECK(text.find("\"out/kernel\"") < text.find("\"out/bias\""));
  // 5 embedding rows and 6 kernel rows each on their own line.
  CHECK(std::count(text.begin(), text.end(), '\n') == 5 + 5 + 6 + 3 + 1 + 2);
  const std::string path = dir.path("nested/dir/w.json");
  save_weights(model, path);
  Model other(parse_model_spec(kConfig, "small.yaml"));
  other.initialize(99);
  CHECK(load_weights(other, path).empty());
  CHECK(weights_to_json(other) == text);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path("nested/dir")))
    CHECK(entry.path().filename() == "w.json");  // no temporary file left behind
}

TEST_CASE("same seed, same weights file, another seed, another file") {
  Model a(parse_model_spec(kConfig, "small.yaml")), b(parse_model_spec(kConfig, "small.yaml")),
      c(parse_model_spec(kConfig, "small.yaml"));
  a.initialize(3);
  b.initialize(3);
  c.initialize(4);
  CHECK(weights_to_json(a) == weights_to_json(b));
  CHECK(weights_to_json(a) != weights_to_json(c));
}

TEST_CASE("loading lists every missing, extra and wrongly shaped tensor before touching the model") {
  Model model(parse_model_spec(kConfig, "small.yaml"));
  model.initialize(3);
  const std::string before = weights_to_json(model);
  const std::string bad = R"({"format": "yamlnet.weights", "format_version": 1, "model": "small", "weights": {
    "emb/embeddings": {"shape": [4, 3], "dtype": "float32", "data": [[1,2,3],[1,2,3],[1,2,3],[1,2,3]]},
    "out/kernel": {"shape": [6, 2], "dtype": "float32", "data": [[1,2],[1,2],[1,2],[1,2],[1,2],[1,"NaN"]]},
    "extra/bias": {"shape": [1], "dtype": "float32", "data": [0]}}})";
  try {
    load_weights_from_text(model, bad, "bad.json");
    FAIL("expected a WeightsError");
  } catch (const WeightsError& e) {
    const std::string message = e.what();
    CHECK(message.find("tensor 'emb/embeddings' has shape (4, 3), the model needs (5, 3)") !=
          std::string::npos);
    CHECK(message.find("tensor 'out/kernel': holds the non-finite value NaN") != std::string::npos);
    CHECK(message.find("missing tensor 'out/bias'") != std::string::npos);
    CHECK(message.find("unexpected tensor 'extra/bias'") != std::string::npos);
  }
  CHECK(weights_to_json(model) == before);
  CHECK_THROWS_WITH_AS(
      load_weights_from_text(model, "{\"format\": \"yamlnet.weights\", \"weights\"", "t.json"),
      "t.json:1:40: not valid JSON (it ends early)", WeightsError);
  CHECK_THROWS_AS(
      load_weights_from_text(model, R"({"format": "yamlnet.weights", "format_version": 2, "weights": {}})",
                             "t.json"),
      WeightsError);
}

TEST_CASE("atomic writes replace the whole file") {
  TempDir dir;
  const std::string path = dir.path("f.txt");
  write_file_atomically(path, "first");
  write_file_atomically(path, "second");
  CHECK(read_file(path) == "second");
  CHECK_THROWS_AS(write_file_atomically("/proc/no/such/dir/file", "x"), Error);
}

TEST_CASE("init_from copies the mapped layers' tensors by name and leaves the rest") {
  TempDir dir;
  Model source(parse_model_spec(kConfig, "small.yaml"));
  source.initialize(11);
  save_weights(source, dir.path("source.json"));
  const std::string target_config = std::string(kConfig) +
                                    "init_from:\n  - path: " + dir.path("source.json") +
                                    "\n    layers: {emb2: emb}\n";
  std::string renamed = target_config;
  renamed.replace(renamed.find("{name: emb,"), 11, "{name: emb2,");
  Model target(parse_model_spec(renamed, "target.yaml"));
  target.initialize(12);
  const std::vector<Real> out_kernel = to_vector(target.nodes()[3].layer->params()[0].value.data);
  load_weights_from_text(target, slurp(dir.path("source.json")), "source.json",
                         &target.spec().init_from[0].layers);
  CHECK(target.nodes()[1].layer->params()[0].value.data == source.nodes()[1].layer->params()[0].value.data);
  CHECK(to_vector(target.nodes()[3].layer->params()[0].value.data) == out_kernel);  // not mapped: untouched
  const std::map<std::string, std::string> wrong{{"emb2", "nosuch"}};
  CHECK_THROWS_WITH_AS(
      load_weights_from_text(target, slurp(dir.path("source.json")), "source.json", &wrong),
      "source.json: does not fit model 'small':\n  missing tensor 'nosuch/embeddings' (5, 3)", WeightsError);
}

namespace {

std::string weights_text(const std::string& tensors) {
  return R"({"format": "yamlnet.weights", "format_version": 1, "model": "small", "weights": {)" + tensors +
         "}}";
}

std::string message_of(const std::string& text) {
  try {
    parse_weights_file(text, "t.json");
  } catch (const WeightsError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the streaming weights reader: any key order, escapes, number forms, and clear errors") {
  // Data before shape (a hand-edited or foreign writer's order) reads the same as the writer's order.
  const auto file = parse_weights_file(
      weights_text(
          R"("a\/b\u00e9": {"data": [[1, -2.5e-1], [3E2, 0]], "dtype": "float32", "shape": [2, 2]})"),
      "t.json");
  REQUIRE(file.tensors.size() == 1);
  CHECK(file.tensors[0].name == "a/b\xc3\xa9");
  CHECK(file.tensors[0].shape == Shape{2, 2});
  CHECK(file.tensors[0].data == std::vector<Real>{1, Real(-0.25), 300, 0});
  // A value below float's range rounds to zero, as a reader of doubles would; one above it is an error.
  CHECK(
      parse_weights_file(weights_text(R"("t": {"shape": [1], "data": [1e-60]})"), "t.json").tensors[0].data ==
      std::vector<Real>{0});
  CHECK(message_of(weights_text(R"("t": {"shape": [1], "data": [1e60]})")).find("a number is out of range") !=
        std::string::npos);
  // JSON's number grammar, not strtod's.
  for (const char* bad : {"[1.]", "[.5]", "[-inf]", "[0x10]", "[1e]", "[--1]"})
    CHECK(message_of(weights_text(std::string(R"("t": {"shape": [1], "data": )") + bad + "}"))
              .find("not valid JSON") != std::string::npos);
  CHECK(message_of(weights_text(R"("t": {"shape": [1], "data": [1]}, "t": {"shape": [1], "data": [2]})"))
            .find("tensor 't' appears twice") != std::string::npos);
  CHECK(message_of(weights_text(R"("t": {"shape": [1], "data": [1]})") + " x") ==
        "t.json:1:117: not valid JSON (text after the end of the document)");
  // Deep nesting is refused, not a stack overflow.
  CHECK(message_of(weights_text(R"("t": {"shape": [1], "other": )" + std::string(5000, '[') + "}"))
            .find("nested deeper than") != std::string::npos);
  CHECK(message_of(weights_text(R"("t": {"shape": [2], "dtype": "float32"})")) ==
        "t.json: tensor 't': no data");
}
