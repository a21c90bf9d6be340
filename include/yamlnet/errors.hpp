#pragma once
// Typed errors. The library throws these and never prints or exits; only the CLI does. Every message names
// where the problem is: a config's file:line:col, a data file and row, a weights file.
#include <stdexcept>
#include <string>
#include <vector>

namespace yamlnet {

// A name as a pointer into a table that lives as long as the process. A config of 150k layers holds
// millions of located values and some 1.5M named arguments; each copy of a file or argument name held as a
// std::string was 32 bytes, and one more heap string once the name passed 15 characters
// ("kernel_initializer"). The few names a process sees (its config, --set arguments, the tables' argument
// names) are kept once.
class InternedString {
 public:
  InternedString() = default;
  InternedString(const std::string& name);  // NOLINT: a name converts implicitly, as the string it replaces
  InternedString(const char* name) : InternedString(std::string(name)) {}  // NOLINT
  const std::string& str() const { return *name_; }
  operator const std::string&() const { return *name_; }  // NOLINT
  bool empty() const { return name_->empty(); }
  friend bool operator==(const InternedString& a, const InternedString& b) { return a.name_ == b.name_; }
  friend bool operator==(const InternedString& a, const std::string& b) { return *a.name_ == b; }
  friend bool operator==(const InternedString& a, const char* b) { return *a.name_ == b; }

 private:
  const std::string* name_ = &empty_name();
  static const std::string& empty_name();
};

using FileName = InternedString;

struct SourceLoc {
  FileName file;
  int line = 0;  // 1-based; 0 = unknown
  int column = 0;
  std::string str() const;
};

// One problem found in a config, with everything a user needs to find and fix it.
struct Diagnostic {
  SourceLoc loc;
  std::string layer;       // layer name, or "" outside `layers`
  std::string layer_type;  // e.g. "Dense"
  std::string message;
  bool warning = false;
  // "file:line:col: error: layer 'x' (Type): message"
  std::string format() const;
};

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// All errors of one config file, collected before failing.
class ConfigError : public Error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Thrown by a layer while building; the graph builder adds the layer's name and source position.
class ShapeError : public Error {
 public:
  explicit ShapeError(const std::string& message, std::string argument = "")
      : Error(message), argument(std::move(argument)) {}
  std::string argument;  // the offending argument, when one is to blame
};

// Bad data: names the file and the row.
class DataError : public Error {
 public:
  DataError(const std::string& file, long row, const std::string& message);
  DataError(const std::string& file, const std::string& message);
};

class WeightsError : public Error {
 public:
  using Error::Error;
};

class TrainingError : public Error {
 public:
  using Error::Error;
};

// A usage problem with the command line (exit code 2 in the CLI).
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace yamlnet
