#include "tests/support/test_support.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "interpreter/app/session.hpp"

namespace yamlnet::testing {

TempDir::TempDir() {
  static int counter = 0;
  root_ = std::filesystem::temp_directory_path() /
          ("yamlnet-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(root_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string p = path(name);
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

Value parse_function_value(const std::string& yaml, const FunctionFamily& family) {
  DiagnosticSink sink("test");
  const Value v = parse_function(YAML::Load(yaml), family, "value", sink);
  REQUIRE_MESSAGE(!sink.has_errors(), (sink.has_errors() ? sink.errors()[0].format() : ""));
  return v;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ShellResult run_shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  while (fgets(buf, sizeof buf, pipe)) out += buf;
  const int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

std::string first_config_error(const std::string& text, const std::string& file) {
  try {
    validate_model(parse_model_spec(text, file));
  } catch (const ConfigError& e) {
    return e.diagnostics().front().format();
  }
  return "(accepted)";
}

}  // namespace yamlnet::testing
