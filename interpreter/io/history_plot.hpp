#pragma once
// `yamlnet plot`: a history CSV (epoch, loss, metrics, val_...) drawn as an SVG, one panel per quantity with
// its training curve (solid) and validation curve (dashed), axes with ticks, labels and a legend.
#include <string>

namespace yamlnet {

// Throws DataError naming the file and line for a CSV that is not a history.
std::string history_svg(const std::string& csv_text, const std::string& source_name);

}  // namespace yamlnet
