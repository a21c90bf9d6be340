#pragma once
// Delimited text lines, as the event-log pipelines read them (no quoting: ids and numbers only).
#include <string>
#include <vector>

#include "interpreter/core/real.hpp"

namespace yamlnet {

std::vector<std::string> split_line(const std::string& line, char delimiter);
// Field `column` as a finite number; DataError naming file and line otherwise.
double number_field(const std::vector<std::string>& fields, Index column, const std::string& file, long line);
// "\t" (backslash-t, as written in YAML single quotes or plain scalars) or "tab" mean a tab.
char delimiter_char(const std::string& text, char fallback);

}  // namespace yamlnet
