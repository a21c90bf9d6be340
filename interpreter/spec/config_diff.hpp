#pragma once
// What changed between two configs, key by key: `layers` entries are keyed by layer name (so inserting a
// layer does not shift every other), other lists are compared whole.
#include <optional>
#include <string>
#include <vector>

namespace yamlnet {

struct ConfigChange {
  std::string key;                       // "layers.hidden.units", "compile.optimizer.learning_rate"
  std::optional<std::string> old_value;  // flow YAML; none when the key is new
  std::optional<std::string> new_value;  // none when the key was removed
};

// Throws ConfigError on a file that is not YAML.
std::vector<ConfigChange> diff_configs(const std::string& path_a, const std::string& path_b);
// A config's values as (key, flow YAML) pairs, keyed as diff_configs keys them; `source` names it in errors.
std::vector<std::pair<std::string, std::string>> config_leaves(const std::string& yaml,
                                                               const std::string& source);
std::string format_config_diff(const std::vector<ConfigChange>& changes);

}  // namespace yamlnet
