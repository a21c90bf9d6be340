#include "interpreter/io/weights_stream.hpp"

#include <algorithm>
#include <limits>

#include "interpreter/io/json_cursor.hpp"

namespace yamlnet {

namespace {

constexpr size_t kMaxRank = 32;

// Reads a value laid out as nested arrays of `shape` into `out`; returns the first mismatch ("" when none).
// On a mismatch the cursor is left inside the value: the caller rewinds and skips it.
std::string read_nested(JsonCursor& c, const Shape& shape, size_t dim, std::vector<Real>& out) {
  const std::string wrong_shape = "data does not match its shape at depth " + std::to_string(dim);
  if (!c.consume('[')) return wrong_shape;
  const Index n = shape[dim];
  Index count = 0;
  if (c.consume(']')) return n == 0 ? "" : wrong_shape;
  const bool leaf = dim + 1 == shape.size();
  do {
    if (++count > n) return wrong_shape;
    if (!leaf) {
      const std::string problem = read_nested(c, shape, dim + 1, out);
      if (!problem.empty()) return problem;
      continue;
    }
    // The hot loop of a large file: one from_chars per value into a reserved vector.
    Real value;
    if (c.read_real(value)) {
      out.push_back(value);
      continue;
    }
    const char next = c.peek();
    if (next == '"') return "holds the non-finite value " + c.read_string();
    if (next == '[' || next == '{' || next == 't' || next == 'f' || next == 'n') return "holds a non-number";
    c.expect(']');  // a syntax error: report it where it is
  } while (c.consume(','));
  c.expect(']');
  return count == n ? "" : wrong_shape;
}

// Reads a tensor's data at the cursor (consuming the whole value, even when it does not fit).
std::string read_data(JsonCursor& c, const Shape& declared, std::vector<Real>& out, size_t bytes_left) {
  const Shape walk = declared.empty() ? Shape{1} : declared;
  // Reserve what the text can hold at most (a value takes at least 2 bytes), not what a hostile shape claims.
  size_t want = 1;
  for (Index d : walk) want = d == 0 ? 0 : std::min(bytes_left / 2 + 1, want * static_cast<size_t>(d));
  out.clear();
  out.reserve(want);
  const size_t start = c.offset();
  std::string problem = read_nested(c, walk, 0, out);
  if (!problem.empty()) {
    c.seek(start);
    c.skip_value();
  }
  return problem;
}

Shape read_shape(JsonCursor& c, bool& valid) {
  Shape shape;
  valid = c.peek() == '[';
  if (!valid) {
    c.skip_value();
    return shape;
  }
  c.expect('[');
  if (c.consume(']')) return shape;
  do {
    long long d = 0;
    const char next = c.peek();
    if (c.read_integer(d)) {
      valid = valid && d >= 0 && d <= std::numeric_limits<Index>::max();
      shape.push_back(static_cast<Index>(d));
    } else {
      if (next != '-' && (next < '0' || next > '9')) c.skip_value();
      valid = false;
      shape.push_back(-1);
    }
  } while (c.consume(','));
  c.expect(']');
  valid = valid && shape.size() <= kMaxRank;
  return shape;
}

// One "key": {"shape": [...], "dtype": "float32", "data": [...]} entry. The data is read where it stands when
// the shape came before it (as the writer orders them), and otherwise after the entry, from its remembered
// offset.
void read_entry(JsonCursor& c, TensorEntry entry, TensorVisitor& visitor, size_t text_size) {
  if (c.peek() != '{') {
    c.skip_value();
    visitor.target(entry);  // no shape: the visitor reports it
    return;
  }
  bool shape_seen = false, dispatched = false;
  size_t data_at = std::string::npos;
  c.expect('{');
  if (!c.consume('}')) {
    do {
      const std::string field = c.read_string();
      c.expect(':');
      if (field == "shape" && !shape_seen) {
        entry.shape = read_shape(c, entry.shape_valid);
        shape_seen = true;
      } else if (field == "data" && shape_seen && !dispatched) {
        dispatched = true;
        if (auto* out = visitor.target(entry)) {
          const std::string problem = read_data(c, entry.shape, *out, text_size - c.offset());
          visitor.done(entry, problem);
        } else {
          c.skip_value();
        }
      } else if (field == "dtype") {
        const bool quoted = c.peek() == '"';  // skips the white space before the value
        const size_t at = c.offset();
        if (!quoted) c.reject("\"dtype\" of '" + entry.key + "' is not a string");
        const std::string dtype = c.read_string();
        if (dtype != "float32") {
          c.seek(at);
          c.reject("'" + entry.key + "' has dtype '" + dtype + "'; weights files hold float32");
        }
      } else {
        if (field == "data" && data_at == std::string::npos) data_at = c.offset();
        c.skip_value();
      }
    } while (c.consume(','));
    c.expect('}');
  }
  if (dispatched) return;
  auto* out = visitor.target(entry);
  if (!out) return;
  if (data_at == std::string::npos) {
    visitor.done(entry, "no data");
    return;
  }
  const size_t resume = c.offset();
  c.seek(data_at);
  const std::string problem = read_data(c, entry.shape, *out, text_size - data_at);
  c.seek(resume);
  visitor.done(entry, problem);
}

}  // namespace

WeightsHeader read_weights_stream(std::string_view text, const std::string& path, TensorVisitor& visitor) {
  JsonCursor c(text, path);
  WeightsHeader header;
  if (c.peek() != '{') {
    c.skip_value();
    c.expect_end();
    return header;
  }
  header.is_object = true;
  c.expect('{');
  if (!c.consume('}')) {
    do {
      const std::string key = c.read_string();
      c.expect(':');
      if (key == "weights" && c.peek() == '{') {
        header.has_weights = true;
        c.expect('{');
        if (c.consume('}')) continue;
        do {
          TensorEntry entry;
          entry.key = c.read_string();
          c.expect(':');
          read_entry(c, std::move(entry), visitor, text.size());
        } while (c.consume(','));
        c.expect('}');
        continue;
      }
      const auto value = c.skip_value();
      nlohmann::json* slot = key == "format"           ? &header.format
                             : key == "format_version" ? &header.format_version
                             : key == "model"          ? &header.model
                             : key == "spec_sha256"    ? &header.spec_sha256
                                                       : nullptr;
      // Header values are small and already checked as JSON by skip_value.
      if (slot) *slot = nlohmann::json::parse(value.begin(), value.end(), nullptr, false);
    } while (c.consume(','));
    c.expect('}');
  }
  c.expect_end();
  return header;
}

}  // namespace yamlnet
