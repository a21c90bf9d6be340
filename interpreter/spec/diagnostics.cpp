#include "interpreter/spec/diagnostics.hpp"

#include <algorithm>

namespace yamlnet {

SourceLoc DiagnosticSink::loc(const YAML::Node& node) const {
  if (!node.IsDefined()) return SourceLoc{file_, 0, 0};
  for (const auto& [written, assignment] : override_nodes_)
    if (written.is(node)) return SourceLoc{"--set " + assignment, 0, 0};
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) {
    // Made by an override (a key it added): with one --set there is no doubt which.
    if (overrides_.size() == 1) return SourceLoc{"--set " + overrides_[0], 0, 0};
    return SourceLoc{file_, 0, 0};
  }
  return SourceLoc{file_, mark.line + 1, mark.column + 1};
}

void DiagnosticSink::add_override(const YAML::Node& value, const std::string& assignment) {
  overrides_.push_back(assignment);
  std::vector<YAML::Node> pending{value};
  while (!pending.empty()) {
    const YAML::Node node = pending.back();
    pending.pop_back();
    override_nodes_.emplace_back(node, assignment);
    if (node.IsMap())
      for (const auto& kv : node) {
        pending.push_back(kv.first);
        pending.push_back(kv.second);
      }
    else if (node.IsSequence())
      for (const auto& item : node) pending.push_back(item);
  }
}

void DiagnosticSink::error(const SourceLoc& loc, const std::string& message) {
  errors_.push_back(Diagnostic{loc, layer_, layer_type_, message, false});
}

void DiagnosticSink::warning(const SourceLoc& loc, const std::string& message) {
  warnings_.push_back(Diagnostic{loc, layer_, layer_type_, message, true});
}

void DiagnosticSink::note_keras1_name(const YAML::Node& at, const std::string& old_name,
                                      const std::string& new_name) {
  keras1_names_.emplace_back(loc(at),
                             old_name + (new_name.empty() ? " (ignored)" : " (now " + new_name + ")"));
}

void DiagnosticSink::warn_about_keras1_names() {
  if (keras1_names_.empty() || keras_version_ == 1) return;
  std::string names;
  for (size_t k = 0; k < keras1_names_.size() && k < 4; ++k)
    names +=
        (k ? ", " : "") + keras1_names_[k].second + " at line " + std::to_string(keras1_names_[k].first.line);
  if (keras1_names_.size() > 4) names += " and " + std::to_string(keras1_names_.size() - 4) + " more";
  const std::string version = std::to_string(keras_version_);
  warnings_.push_back(Diagnostic{
      keras1_names_.front().first, "", "",
      "this config uses Keras 1 argument names (" + names + ") but keras_version is " + version + ": Keras " +
          version + "'s defaults and formulas apply (LSTM and GRU recurrent_activation sigmoid" +
          (keras_version_ == 3 ? ", hard_sigmoid relu6(x + 3) / 6" : "") +
          ", GRU reset_after true); add `keras_version: 1` at the top for Keras 1's (hard_sigmoid gates, GRU "
          "with the reset before the recurrent product)",
      true});
}

void DiagnosticSink::throw_if_errors() const {
  if (errors_.empty()) return;
  auto sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.loc.line, a.loc.column) < std::tie(b.loc.line, b.loc.column);
  });
  throw ConfigError(sorted);
}

}  // namespace yamlnet
