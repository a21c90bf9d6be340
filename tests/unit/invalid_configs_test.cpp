// Every file in tests/configs/invalid/ is rejected with the error its first line announces:
// `# expect: LINE:COL: part of the message`.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "interpreter/app/session.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;

TEST_CASE("invalid configs: each is rejected with its expected file:line:col and message") {
  const std::filesystem::path dir = std::filesystem::path(YAMLNET_SOURCE_DIR) / "tests/configs/invalid";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 25);
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    const std::string text = testing::slurp(file.string());
    const std::string prefix = "# expect: ";
    REQUIRE_MESSAGE(text.rfind(prefix, 0) == 0, "first line must be '# expect: LINE:COL: message'");
    const std::string expect = text.substr(prefix.size(), text.find('\n') - prefix.size());
    const std::string position = expect.substr(0, expect.find(": "));
    const std::string message = expect.substr(expect.find(": ") + 2);
    std::vector<std::string> found;
    try {
      validate_model(parse_model_spec(text, file.filename().string()));
    } catch (const ConfigError& e) {
      for (const auto& d : e.diagnostics()) found.push_back(d.format());
    }
    REQUIRE_MESSAGE(!found.empty(), "the config was accepted");
    const std::string wanted_start = file.filename().string() + ":" + position + ": error: ";
    bool matched = false;
    for (const auto& f : found)
      matched = matched || (f.rfind(wanted_start, 0) == 0 && f.find(message) != std::string::npos);
    std::string all;
    for (const auto& f : found) all += "\n  " + f;
    CHECK_MESSAGE(matched, "expected " << wanted_start << "..." << message << "\ngot:" << all);
  }
}
