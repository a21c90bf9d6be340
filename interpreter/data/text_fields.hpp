#pragma once
// Delimited text lines, as the event-log pipelines read them (no quoting: ids and numbers only).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "interpreter/core/real.hpp"

namespace yamlnet {

std::vector<std::string> split_line(const std::string& line, char delimiter);
// Field `column` as a finite number; DataError naming file and line otherwise.
double number_field(const std::vector<std::string>& fields, Index column, const std::string& file, long line);
// The same without copies, for logs of millions of lines: `out` holds views into `line` (and keeps its
// capacity from line to line). Fields as split_line gives them: a trailing empty field is not one.
void split_line_views(std::string_view line, char delimiter, std::vector<std::string_view>& out);
double number_field(const std::vector<std::string_view>& fields, Index column, const std::string& file,
                    long line);
// Calls `take` with every line of the file (without its '\n'), read in blocks: the file is never in memory
// whole, and no line is copied unless it crosses a block's end. DataError when it cannot be read.
void for_each_line(const std::string& path, const std::function<void(std::string_view)>& take);
// "\t" (backslash-t, as written in YAML single quotes or plain scalars) or "tab" mean a tab.
char delimiter_char(const std::string& text, char fallback);

}  // namespace yamlnet
