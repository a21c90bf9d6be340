#include "interpreter/data/sources.hpp"

#include <zlib.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace {

std::string read_all_gz(const std::string& path) {
  check_regular_file(path);
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw DataError(path, "cannot open the file");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      gzclose(f);
      throw DataError(path, "cannot read the file (corrupt gzip data?)");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  gzclose(f);
  return out;
}

uint32_t big_endian_u32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

template <typename T>
T load_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

Tensor read_idx(const std::string& path) {
  const std::string bytes = read_all_gz(path);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4 || p[0] != 0 || p[1] != 0) throw DataError(path, "not an IDX file (bad magic number)");
  const int type = p[2], dims = p[3];
  int elem = 0;
  switch (type) {
    case 0x08:
    case 0x09:
      elem = 1;
      break;
    case 0x0B:
      elem = 2;
      break;
    case 0x0C:
    case 0x0D:
      elem = 4;
      break;
    case 0x0E:
      elem = 8;
      break;
    default:
      throw DataError(path, "unsupported IDX element type " + std::to_string(type));
  }
  if (dims < 1 || bytes.size() < 4 + 4 * static_cast<size_t>(dims))
    throw DataError(path, "truncated IDX header");
  Shape shape;
  for (int d = 0; d < dims; ++d) shape.push_back(static_cast<Index>(big_endian_u32(p + 4 + 4 * d)));
  const size_t offset = 4 + 4 * static_cast<size_t>(dims);
  const size_t count = static_cast<size_t>(shape_size(shape));
  if (bytes.size() - offset < count * static_cast<size_t>(elem))
    throw DataError(path, "truncated: the header promises " + std::to_string(count) + " values");
  Tensor t(shape);
  const unsigned char* data = p + offset;
  for (size_t i = 0; i < count; ++i) {
    const unsigned char* q = data + i * elem;
    double v = 0;
    switch (type) {
      case 0x08:
        v = q[0];
        break;
      case 0x09:
        v = static_cast<int8_t>(q[0]);
        break;
      case 0x0B:
        v = static_cast<int16_t>((q[0] << 8) | q[1]);
        break;
      case 0x0C:
        v = static_cast<int32_t>(big_endian_u32(q));
        break;
      case 0x0D: {
        const uint32_t bits = big_endian_u32(q);
        float f;
        std::memcpy(&f, &bits, 4);
        v = f;
        break;
      }
      case 0x0E: {
        uint64_t bits = (uint64_t(big_endian_u32(q)) << 32) | big_endian_u32(q + 4);
        std::memcpy(&v, &bits, 8);
        break;
      }
    }
    t.data[i] = static_cast<Real>(v);
  }
  return t;
}

void check_regular_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path, "is a folder, not a data file");
}

Tensor read_npy(const std::string& path) {
  check_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot open the file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw DataError(path, "not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    header_start = 10;
  } else {
    if (bytes.size() < 12) throw DataError(path, "truncated .npy header");
    header_len = load_le<uint32_t>(bytes.data() + 8);
    header_start = 12;
  }
  if (bytes.size() < header_start + header_len) throw DataError(path, "truncated .npy header");
  const std::string header = bytes.substr(header_start, header_len);
  // The header is a Python dict literal; anything we cannot read in it is named, never an exception.
  auto field = [&](const std::string& key) -> std::string {
    const auto k = header.find("'" + key + "'");
    if (k == std::string::npos) throw DataError(path, "malformed .npy header: no '" + key + "'");
    const auto colon = header.find(':', k);
    const auto start = colon == std::string::npos ? colon : header.find_first_not_of(" ", colon + 1);
    if (start == std::string::npos)
      throw DataError(path, "malformed .npy header: no value for '" + key + "'");
    return header.substr(start);
  };
  std::string descr = field("descr");
  const auto descr_end = descr.find('\'', 1);
  if (descr.empty() || descr[0] != '\'' || descr_end == std::string::npos)
    throw DataError(path, "malformed .npy header: 'descr' is not a quoted dtype");
  descr = descr.substr(1, descr_end - 1);
  if (field("fortran_order").rfind("True", 0) == 0)
    throw DataError(path, "Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
  std::string shape_text = field("shape");
  if (shape_text.empty() || shape_text[0] != '(' || shape_text.find(')') == std::string::npos)
    throw DataError(path, "malformed .npy header: 'shape' is not a tuple");
  shape_text = shape_text.substr(1, shape_text.find(')') - 1);
  Shape shape;
  std::stringstream dims(shape_text);
  for (std::string d; std::getline(dims, d, ',');) {
    const auto b = d.find_first_not_of(" "), e = d.find_last_not_of(" ");
    if (b == std::string::npos) continue;
    d = d.substr(b, e - b + 1);
    Index n = 0;
    const auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), n);
    if (ec != std::errc() || end != d.data() + d.size() || n < 0)
      throw DataError(path, "malformed .npy header: shape entry '" + d + "' is not a size");
    shape.push_back(n);
  }
  if (shape.empty()) throw DataError(path, "a 0-d array holds no samples");
  // The promised values must fit in the file (checked before anything is allocated).
  double promised = 1;
  for (Index n : shape) promised *= static_cast<double>(n);
  if (promised > static_cast<double>(bytes.size())) {
    char count[64];
    std::snprintf(count, sizeof count, "%.0f", promised);
    throw DataError(path, std::string("the header promises ") + count + " values, more than the file's " +
                              std::to_string(bytes.size()) + " bytes hold");
  }
  int size = 0;
  if (descr.size() < 3 || descr[0] == '>' ||
      std::from_chars(descr.data() + 2, descr.data() + descr.size(), size).ec != std::errc() || size <= 0)
    throw DataError(path, "unsupported dtype '" + descr + "' (little-endian numbers only)");
  const char kind = descr[1];
  const size_t count = static_cast<size_t>(shape_size(shape));
  const size_t offset = header_start + header_len;
  if (bytes.size() - offset < count * static_cast<size_t>(size))
    throw DataError(path, "truncated: the header promises " + std::to_string(count) + " values");
  Tensor t(shape);
  const char* data = bytes.data() + offset;
  for (size_t i = 0; i < count; ++i) {
    const char* q = data + i * size;
    double v;
    if (kind == 'f' && size == 4)
      v = load_le<float>(q);
    else if (kind == 'f' && size == 8)
      v = load_le<double>(q);
    else if (kind == 'i' && size == 1)
      v = load_le<int8_t>(q);
    else if (kind == 'i' && size == 2)
      v = load_le<int16_t>(q);
    else if (kind == 'i' && size == 4)
      v = load_le<int32_t>(q);
    else if (kind == 'i' && size == 8)
      v = static_cast<double>(load_le<int64_t>(q));
    else if ((kind == 'u' || kind == 'b') && size == 1)
      v = load_le<uint8_t>(q);
    else if (kind == 'u' && size == 2)
      v = load_le<uint16_t>(q);
    else if (kind == 'u' && size == 4)
      v = load_le<uint32_t>(q);
    else if (kind == 'u' && size == 8)
      v = static_cast<double>(load_le<uint64_t>(q));
    else
      throw DataError(path, "unsupported dtype '" + descr + "'");
    t.data[i] = static_cast<Real>(v);
  }
  return t;
}

std::string npy_bytes(const Tensor& t) {
  std::string shape = "(";
  for (size_t d = 0; d < t.shape.size(); ++d)
    shape += std::to_string(t.shape[d]) + (t.shape.size() == 1 || d + 1 < t.shape.size() ? "," : "");
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so the data starts on a 64-byte boundary, ending the header with a newline.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  for (Real v : t.data) {
    const float f = static_cast<float>(v);
    out.append(reinterpret_cast<const char*>(&f), 4);
  }
  return out;
}

namespace {

std::vector<std::string> split_fields(const std::string& line, char delimiter) {
  std::vector<std::string> fields;
  std::string current;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
        current += '"';
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == delimiter && !quoted) {
      fields.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  fields.push_back(current);
  for (auto& f : fields) {
    const auto b = f.find_first_not_of(" \t\r");
    const auto e = f.find_last_not_of(" \t\r");
    f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
  }
  return fields;
}

}  // namespace

Table read_table(const std::string& path, char delimiter, bool header) {
  check_regular_file(path);
  std::ifstream in(path);
  if (!in) throw DataError(path, "cannot open the file");
  Table table;
  std::string line;
  long line_no = 0;
  bool expecting_header = header;
  while (std::getline(in, line)) {
    ++line_no;
    // A UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first column's name.
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string> fields = split_fields(line, delimiter);
    if (expecting_header) {
      table.header = fields;
      table.columns = static_cast<Index>(fields.size());
      expecting_header = false;
      continue;
    }
    if (table.columns == 0) table.columns = static_cast<Index>(fields.size());
    if (static_cast<Index>(fields.size()) != table.columns)
      throw DataError(path, line_no,
                      "ragged row: " + std::to_string(fields.size()) + " fields where the " +
                          (header ? "header has " : "first row has ") + std::to_string(table.columns));
    std::vector<double> row(fields.size());
    for (size_t c = 0; c < fields.size(); ++c) {
      const std::string& f = fields[c];
      char* end = nullptr;
      row[c] = std::strtod(f.c_str(), &end);
      if (f.empty() || end != f.c_str() + f.size()) {
        const std::string column =
            table.header.empty() ? "column " + std::to_string(c) : "column '" + table.header[c] + "'";
        throw DataError(path, line_no, column + ": '" + f + "' is not a number");
      }
    }
    table.rows.push_back(std::move(row));
    table.lines.push_back(line_no);
  }
  if (table.rows.empty()) throw DataError(path, "the file has no data rows");
  return table;
}

}  // namespace yamlnet
