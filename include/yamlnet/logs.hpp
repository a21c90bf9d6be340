#pragma once
// Named figures of an epoch or an evaluation, in Keras's order: loss, metrics, then val_ ones.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace yamlnet {

using Logs = std::vector<std::pair<std::string, double>>;

std::optional<double> find_log(const Logs& logs, const std::string& key);

}  // namespace yamlnet
