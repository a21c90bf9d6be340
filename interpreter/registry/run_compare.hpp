#pragma once
// What `runs compare`, `runs best`, `sweep` and `report` read off recorded runs: the config keys in which
// they differ, the metrics they logged, and their order by one metric.
#include <optional>
#include <string>
#include <vector>

#include "interpreter/registry/run_registry.hpp"

namespace yamlnet {

struct ConfigDifference {
  std::string key;                                 // as --set spells it: layers.hidden.units
  std::vector<std::optional<std::string>> values;  // one per run; none where that run's config lacks the key
};

// The keys of the runs' effective configs whose values are not all the same, in the first run's order.
std::vector<ConfigDifference> config_differences(const std::vector<RunRecord>& runs);
// Every metric any of the runs logged at its end (final, then test), in the order first seen.
std::vector<std::string> metric_names(const std::vector<RunRecord>& runs);
// The runs that have `metric`, best first; mode auto (Keras's: higher is better for accuracies and ranking
// metrics), min or max. Ties keep the runs' order.
std::vector<RunRecord> ranked_by(const std::vector<RunRecord>& runs, const std::string& metric,
                                 const std::string& mode = "auto");
// A metric's value for a table: 4 significant digits, "-" when absent.
std::string format_metric(const std::optional<double>& value);

}  // namespace yamlnet
