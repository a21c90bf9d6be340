#pragma once
// Small helpers shared by the unit tests: temporary folders and files, parsing a function value.
#include <filesystem>
#include <fstream>
#include <string>

#include "interpreter/spec/arg_parser.hpp"

namespace yamlnet::testing {

// A fresh folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name) const { return (root_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path root_;
};

// Parses `yaml` (a name or {type: ...}) as a member of `family`; fails the test on a parse error.
Value parse_function_value(const std::string& yaml, const FunctionFamily& family);

std::string slurp(const std::string& path);

// Runs a shell command line; returns its exit status (128 + N when signal N killed it, as the shell reports)
// and what it wrote on stdout.
struct ShellResult {
  int code;
  std::string out;
};
ShellResult run_shell(const std::string& command);

// The first error of validating a config (parsing it and building its graph) as "file:line:col: ...", or
// "(accepted)".
std::string first_config_error(const std::string& text, const std::string& file = "t.yaml");

}  // namespace yamlnet::testing
