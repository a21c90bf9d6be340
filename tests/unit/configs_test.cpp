// Every config in configs/ builds, validates and trains for one step (skipped, with a message, when its data
// is not on this machine).
#include <doctest/doctest.h>

#include <filesystem>

#include "interpreter/app/session.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;

namespace {

// Whether the files a config reads are on this machine (the data is not part of the project).
bool config_data_present(const ModelSpec& spec) {
  bool present = true;
  for (const auto* split : {&spec.data.train, &spec.data.test})
    for (const auto& [name, path] : split->files) present = present && std::filesystem::exists(path);
  if (!spec.data.train.path.empty()) present = present && std::filesystem::exists(spec.data.train.path);
  if (spec.data.type() == "implicit_feedback" || spec.data.type() == "next_item_sequences")
    present = present && std::filesystem::exists(spec.data.args.string("path"));
  for (const auto& entry : spec.init_from) present = present && std::filesystem::exists(entry.path);
  for (const char* block : {"events", "labels"})
    if (spec.data.args.has(block))
      present = present && std::filesystem::exists(spec.data.args.get(block).arg("path")->s);
  return present;
}

// Validates and trains every config of `folder` with `overrides`; returns how many there were.
int train_each_config(const std::string& folder, const std::vector<std::string>& overrides,
                      bool expect_no_warnings) {
  const std::filesystem::path dir = std::filesystem::path(YAMLNET_SOURCE_DIR) / folder;
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    const std::string file = entry.path().string();
    CAPTURE(file);
    const ModelSpec spec = load_model_spec(file);
    validate_model(spec);
    if (!config_data_present(spec)) {
      MESSAGE("skipped training " << file << ": its data is not on this machine");
      continue;
    }
    testing::TempDir out;
    const TrainOutcome outcome =
        run_train(RunOptions{file, overrides, "", out.path("w.weights.json")}, nullptr);
    CHECK(outcome.history.size() == 1);
    CHECK(std::filesystem::exists(outcome.weights_path));
    if (expect_no_warnings) CHECK(outcome.warnings.empty());
  }
  return count;
}

}  // namespace

TEST_CASE("configs/: each builds and trains one step") {
  CHECK(train_each_config("configs", {"fit.epochs=1", "fit.steps_per_epoch=1", "fit.verbose=0"}, false) >= 1);
}

TEST_CASE("configs/seeds/: each seed document's model, in its own spelling, trains one epoch unwarned") {
  // Keras 1 names under keras_version: 1 are the seeds' spelling, not a mistake to warn about.
  CHECK(train_each_config("configs/seeds", {"fit.epochs=1", "fit.verbose=0"}, true) >= 8);
}

#include "interpreter/docs/json_schema.hpp"
#include "interpreter/docs/reference.hpp"

TEST_CASE("docs/config.md is the reference generated from the argument tables") {
  const std::string path = std::string(YAMLNET_SOURCE_DIR) + "/docs/config.md";
  CHECK_MESSAGE(testing::slurp(path) == config_reference_markdown(),
                "docs/config.md is stale: regenerate it with `yamlnet reference > docs/config.md`");
}

TEST_CASE("schemas/model.schema.json is the JSON Schema generated from the argument tables") {
  const std::string path = std::string(YAMLNET_SOURCE_DIR) + "/schemas/model.schema.json";
  CHECK_MESSAGE(
      testing::slurp(path) == config_json_schema().dump(2) + "\n",
      "schemas/model.schema.json is stale: regenerate it with `yamlnet schema > schemas/model.schema.json`");
}
