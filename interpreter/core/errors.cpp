#include "interpreter/core/errors.hpp"

#include <mutex>
#include <unordered_set>

namespace yamlnet {

const std::string& InternedString::empty_name() {
  static const std::string empty;
  return empty;
}

InternedString::InternedString(const std::string& name) {
  if (name.empty()) return;
  static std::mutex mutex;
  static std::unordered_set<std::string> names;
  std::lock_guard<std::mutex> lock(mutex);
  name_ = &*names.insert(name).first;
}

std::string SourceLoc::str() const {
  std::string out = file.empty() ? std::string("<config>") : file.str();
  if (line > 0) {
    out.append(1, ':').append(std::to_string(line));
    out.append(1, ':').append(std::to_string(column));
  }
  return out;
}

std::string Diagnostic::format() const {
  std::string out = loc.str() + (warning ? ": warning: " : ": error: ");
  if (!layer.empty()) {
    out += "layer '" + layer + "'";
    if (!layer_type.empty()) out += " (" + layer_type + ")";
    out += ": ";
  }
  return out + message;
}

static std::string join(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += "\n";
    out += d.format();
  }
  return out;
}

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : Error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

DataError::DataError(const std::string& file, long row, const std::string& message)
    : Error(file + ":" + std::to_string(row) + ": error: " + message) {}

DataError::DataError(const std::string& file, const std::string& message)
    : Error(file + ": error: " + message) {}

}  // namespace yamlnet
