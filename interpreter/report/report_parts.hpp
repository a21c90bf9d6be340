#pragma once
// The sections of `yamlnet report`'s HTML page, each a piece of markup with inline SVG (the page needs no
// network and no library), and the small helpers they share.
#include <string>
#include <vector>

#include "interpreter/registry/run_registry.hpp"

namespace yamlnet {

class Graph;

std::string html_escape(const std::string& text);
// Run i's colour: hues a golden angle apart, so neighbours differ however many runs there are.
std::string run_color(size_t i);
// A number for markup: up to 6 significant digits.
std::string svg_number(double v);

// One chart per logged figure (loss, val_loss, metrics), every run's curve over the epochs overlaid.
std::string curves_section(const std::vector<RunRecord>& runs);
// The model's layers, from inputs (top) to outputs, with their output shapes and the connections.
std::string graph_svg(const Graph& graph);
// Per tensor, how much each part (rows of a 2-D tensor, else runs of values) moved from run a to run b,
// as a strip of coloured cells.
std::string weights_heat_section(const RunRecord& a, const RunRecord& b);

}  // namespace yamlnet
