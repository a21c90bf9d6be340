#include "interpreter/registry/run_compare.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "interpreter/spec/config_diff.hpp"
#include "interpreter/train/callbacks.hpp"

namespace yamlnet {

std::vector<ConfigDifference> config_differences(const std::vector<RunRecord>& runs) {
  std::vector<std::string> keys;  // first seen order
  std::set<std::string> seen;
  std::vector<std::map<std::string, std::string>> values;
  for (const auto& run : runs) {
    values.emplace_back();
    for (auto& [key, value] : config_leaves(run.config_yaml, "run " + run.id)) {
      if (seen.insert(key).second) keys.push_back(key);
      values.back()[key] = value;
    }
  }
  std::vector<ConfigDifference> out;
  for (const auto& key : keys) {
    ConfigDifference d{key, {}};
    for (const auto& v : values) {
      const auto it = v.find(key);
      d.values.push_back(it == v.end() ? std::nullopt : std::optional<std::string>(it->second));
    }
    if (std::adjacent_find(d.values.begin(), d.values.end(), std::not_equal_to<>()) != d.values.end())
      out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string> metric_names(const std::vector<RunRecord>& runs) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& run : runs)
    for (const auto* logs : {&run.final_metrics, &run.test_metrics})
      for (const auto& [name, value] : logs->items())
        if (value.is_number() && seen.insert(name).second) names.push_back(name);
  return names;
}

std::vector<RunRecord> ranked_by(const std::vector<RunRecord>& runs, const std::string& metric,
                                 const std::string& mode) {
  const bool higher = higher_is_better(metric, mode);
  std::vector<RunRecord> out;
  for (const auto& run : runs)
    if (run.metric(metric)) out.push_back(run);
  std::stable_sort(out.begin(), out.end(), [&](const RunRecord& a, const RunRecord& b) {
    return higher ? *a.metric(metric) > *b.metric(metric) : *a.metric(metric) < *b.metric(metric);
  });
  return out;
}

std::string format_metric(const std::optional<double>& value) {
  if (!value) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", *value);
  return text;
}

}  // namespace yamlnet
