#include "interpreter/data/text_fields.hpp"

#include <cmath>
#include <sstream>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

std::vector<std::string> split_line(const std::string& line, char delimiter) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, delimiter);) out.push_back(f);
  return out;
}

double number_field(const std::vector<std::string>& fields, Index column, const std::string& file,
                    long line) {
  if (column >= static_cast<Index>(fields.size()))
    throw DataError(
        file, line,
        "has " + std::to_string(fields.size()) + " fields, column " + std::to_string(column) + " is missing");
  const std::string& f = fields[column];
  char* end = nullptr;
  const double v = std::strtod(f.c_str(), &end);
  if (f.empty() || end != f.c_str() + f.size() || !std::isfinite(v))
    throw DataError(file, line, "column " + std::to_string(column) + ": '" + f + "' is not a number");
  return v;
}

char delimiter_char(const std::string& text, char fallback) {
  if (text.empty()) return fallback;
  if (text == "\\t" || text == "tab") return '\t';
  return text[0];
}

}  // namespace yamlnet
