#include "interpreter/spec/config_diff.hpp"

#include <yaml-cpp/yaml.h>

#include <map>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace {

std::string flow(const YAML::Node& node) {
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

// Leaves of the document as key -> flow YAML, in document order.
void flatten(const YAML::Node& node, const std::string& key,
             std::vector<std::pair<std::string, std::string>>& out) {
  const std::string prefix = key.empty() ? "" : key + ".";
  if (node.IsMap()) {
    for (const auto& kv : node) flatten(kv.second, prefix + kv.first.Scalar(), out);
    return;
  }
  if (node.IsSequence() && key == "layers") {
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      const bool named = item.IsMap() && item["name"] && item["name"].IsScalar();
      flatten(item, prefix + (named ? item["name"].Scalar() : "[" + std::to_string(i) + "]"), out);
    }
    return;
  }
  out.emplace_back(key, flow(node));
}

std::vector<std::pair<std::string, std::string>> leaves(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw UsageError("cannot read '" + path + "'");
  } catch (const YAML::Exception& e) {
    throw ConfigError({Diagnostic{SourceLoc{path, e.mark.line + 1, e.mark.column + 1}, "", "", e.msg}});
  }
  std::vector<std::pair<std::string, std::string>> out;
  flatten(root, "", out);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> config_leaves(const std::string& yaml,
                                                               const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw ConfigError({Diagnostic{SourceLoc{source, e.mark.line + 1, e.mark.column + 1}, "", "", e.msg}});
  }
  std::vector<std::pair<std::string, std::string>> out;
  flatten(root, "", out);
  return out;
}

std::vector<ConfigChange> diff_configs(const std::string& path_a, const std::string& path_b) {
  const auto a = leaves(path_a), b = leaves(path_b);
  std::map<std::string, std::string> in_b(b.begin(), b.end()), in_a(a.begin(), a.end());
  std::vector<ConfigChange> out;
  for (const auto& [key, value] : a) {
    const auto it = in_b.find(key);
    if (it == in_b.end())
      out.push_back(ConfigChange{key, value, std::nullopt});
    else if (it->second != value)
      out.push_back(ConfigChange{key, value, it->second});
  }
  for (const auto& [key, value] : b)
    if (!in_a.count(key)) out.push_back(ConfigChange{key, std::nullopt, value});
  return out;
}

std::string format_config_diff(const std::vector<ConfigChange>& changes) {
  std::string out;
  for (const auto& c : changes) {
    if (c.old_value && c.new_value)
      out += "~ " + c.key + ": " + *c.old_value + " -> " + *c.new_value + "\n";
    else if (c.new_value)
      out += "+ " + c.key + ": " + *c.new_value + "\n";
    else
      out += "- " + c.key + ": " + *c.old_value + "\n";
  }
  if (changes.empty()) out = "configs equal\n";
  return out;
}

}  // namespace yamlnet
