#pragma once
// Collects every error and warning of one config file so they are all reported together.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

class DiagnosticSink {
 public:
  explicit DiagnosticSink(const std::string& file) : file_(file) {}

  // The layer being parsed; its name and type prefix every message until cleared.
  void set_layer(std::string name, std::string type) {
    layer_ = std::move(name);
    layer_type_ = std::move(type);
  }
  void clear_layer() { set_layer("", ""); }

  // The config's `keras_version` (1, 2 or 3): it selects argument defaults while the layers are parsed.
  int keras_version() const { return keras_version_; }
  void set_keras_version(int version) { keras_version_ = version; }
  // A Keras 1 argument name met while parsing (`inner_activation`), for the one warning about which Keras's
  // defaults apply (see keras1_names_warning()).
  void note_keras1_name(const YAML::Node& at, const std::string& old_name, const std::string& new_name);
  // Under keras_version 1 Keras 1's names are the config's own spelling: nothing to say. Otherwise one
  // warning listing them, saying that Keras 2/3's defaults apply and how to switch.
  void warn_about_keras1_names();

  void error(const SourceLoc& loc, const std::string& message);
  void error(const YAML::Node& at, const std::string& message) { error(loc(at), message); }
  void warning(const SourceLoc& loc, const std::string& message);
  void warning(const YAML::Node& at, const std::string& message) { warning(loc(at), message); }

  // Where `node` was written: file:line:col, or the `--set key=value` argument that put it there.
  SourceLoc loc(const YAML::Node& node) const;
  // Nodes that --set overrides wrote (each value and everything below it), with the argument's text.
  void add_override(const YAML::Node& value, const std::string& assignment);
  const std::string& file() const { return file_.str(); }
  bool has_errors() const { return !errors_.empty(); }
  const std::vector<Diagnostic>& errors() const { return errors_; }
  const std::vector<Diagnostic>& warnings() const { return warnings_; }
  void throw_if_errors() const;

 private:
  FileName file_;  // interned once: every location the sink makes copies a pointer, not a lookup
  std::string layer_, layer_type_;
  std::vector<Diagnostic> errors_, warnings_;
  std::vector<std::pair<YAML::Node, std::string>> override_nodes_;
  std::vector<std::string> overrides_;
  int keras_version_ = 2;
  std::vector<std::pair<SourceLoc, std::string>> keras1_names_;  // where, and `old (now new)`
};

}  // namespace yamlnet
