#include "interpreter/data/text_fields.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <sstream>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

std::vector<std::string> split_line(const std::string& line, char delimiter) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, delimiter);) out.push_back(f);
  return out;
}

namespace {

// The field must exist (DataError naming the count otherwise).
void check_column(size_t fields, Index column, const std::string& file, long line) {
  if (column >= static_cast<Index>(fields))
    throw DataError(
        file, line,
        "has " + std::to_string(fields) + " fields, column " + std::to_string(column) + " is missing");
}

// strtod's reading of the whole text, finite (DataError otherwise): what a number field is.
double whole_number(const std::string& f, Index column, const std::string& file, long line) {
  char* end = nullptr;
  const double v = std::strtod(f.c_str(), &end);
  if (f.empty() || end != f.c_str() + f.size() || !std::isfinite(v))
    throw DataError(file, line, "column " + std::to_string(column) + ": '" + f + "' is not a number");
  return v;
}

}  // namespace

double number_field(const std::vector<std::string>& fields, Index column, const std::string& file,
                    long line) {
  check_column(fields.size(), column, file, line);
  return whole_number(fields[static_cast<size_t>(column)], column, file, line);
}

void split_line_views(std::string_view line, char delimiter, std::vector<std::string_view>& out) {
  out.clear();
  // A byte loop: fields are a few characters, too short for a memchr call per field to pay.
  size_t start = 0;
  for (size_t k = 0; k < line.size(); ++k)
    if (line[k] == delimiter) {
      out.push_back(line.substr(start, k - start));
      start = k + 1;
    }
  if (start < line.size()) out.push_back(line.substr(start));
}

double number_field(const std::vector<std::string_view>& fields, Index column, const std::string& file,
                    long line) {
  check_column(fields.size(), column, file, line);
  const std::string_view f = fields[static_cast<size_t>(column)];
  // Ids, ratings and timestamps are mostly plain integers: read those digit by digit (exact below 2^53, which
  // 15 digits are).
  if (!f.empty() && f.size() <= 15) {
    size_t k = f[0] == '-' ? 1 : 0;
    long long whole = 0;
    for (; k < f.size() && f[k] >= '0' && f[k] <= '9'; ++k) whole = whole * 10 + (f[k] - '0');
    if (k == f.size() && f.size() > (f[0] == '-' ? 1u : 0u))
      return static_cast<double>(f[0] == '-' ? -whole : whole);
  }
  double v = 0;
  // from_chars reads plain decimal numbers in place; anything else strtod accepts (a leading space or '+',
  // hexadecimal) takes the copying path, so both readers accept the same text.
  const auto [end, error] = std::from_chars(f.data(), f.data() + f.size(), v);
  if (error == std::errc() && end == f.data() + f.size() && std::isfinite(v)) return v;
  return whole_number(std::string(f), column, file, line);
}

void for_each_line(const std::string& path, const std::function<void(std::string_view)>& take) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DataError(path, std::string("cannot open the file: ") + std::strerror(errno));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  constexpr size_t kBlock = size_t{4} << 20;
  std::vector<char> buffer(kBlock);
  size_t kept = 0;  // bytes of an unfinished line at the buffer's start
  try {
    for (;;) {
      if (kept == buffer.size()) buffer.resize(buffer.size() * 2);  // a line longer than a block
      const ssize_t got = ::read(fd, buffer.data() + kept, buffer.size() - kept);
      if (got < 0) {
        if (errno == EINTR) continue;
        throw DataError(path, std::string("cannot read the file: ") + std::strerror(errno));
      }
      const size_t filled = kept + static_cast<size_t>(got);
      const std::string_view block(buffer.data(), filled);
      size_t start = 0;
      for (size_t newline; (newline = block.find('\n', start)) != std::string_view::npos; start = newline + 1)
        take(block.substr(start, newline - start));
      if (got == 0) {
        if (start < filled) take(block.substr(start));  // the last line, without a '\n'
        break;
      }
      kept = filled - start;
      std::memmove(buffer.data(), buffer.data() + start, kept);
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

char delimiter_char(const std::string& text, char fallback) {
  if (text.empty()) return fallback;
  if (text == "\\t" || text == "tab") return '\t';
  return text[0];
}

}  // namespace yamlnet
