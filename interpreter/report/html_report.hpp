#pragma once
// `yamlnet report`: one self-contained HTML file about chosen runs - their curves overlaid, a table of their
// configs' differences and metrics, each model's layer graph, and the weight changes between two of them.
// Inline SVG and a few lines of inline script; nothing is fetched, so it opens from disk anywhere.
#include <string>
#include <vector>

#include "interpreter/registry/run_registry.hpp"

namespace yamlnet {

struct ReportOptions {
  std::string title = "yamlnet runs";
  std::string source;  // the registry, named on the page
};

std::string html_report(const std::vector<RunRecord>& runs, const ReportOptions& options);

}  // namespace yamlnet
