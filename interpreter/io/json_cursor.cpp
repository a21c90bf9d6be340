#include "interpreter/io/json_cursor.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace {

// Deeper nesting than any weights file has; the limit keeps a hostile file from exhausting the stack.
constexpr int kMaxDepth = 256;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

void append_utf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

}  // namespace

JsonCursor::JsonCursor(std::string_view text, std::string path) : text_(text), path_(std::move(path)) {}

std::string JsonCursor::where(size_t offset) const {
  offset = std::min(offset, text_.size());
  const auto before = text_.substr(0, offset);
  const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t line_start = before.rfind('\n');
  const size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  return path_ + ":" + std::to_string(line) + ":" + std::to_string(column);
}

void JsonCursor::reject(const std::string& why) const {
  throw WeightsError(where(pos_) + ": " + why);
}

void JsonCursor::fail(const std::string& why) const {
  if (text_.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw WeightsError(where(pos_) + ": not valid JSON (the file is empty)");
  throw WeightsError(where(pos_) + ": not valid JSON (" + why + ")");
}

void JsonCursor::skip_space() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
    ++pos_;
  }
}

char JsonCursor::peek() {
  skip_space();
  return pos_ < text_.size() ? text_[pos_] : '\0';
}

bool JsonCursor::consume(char c) {
  if (peek() != c || pos_ >= text_.size()) return false;
  ++pos_;
  return true;
}

void JsonCursor::expect(char c) {
  if (!consume(c)) fail(pos_ >= text_.size() ? "it ends early" : std::string("expected '") + c + "'");
}

void JsonCursor::expect_end() {
  if (peek() != '\0' || pos_ < text_.size()) fail("text after the end of the document");
}

std::string JsonCursor::read_string() {
  expect('"');
  std::string out;
  while (true) {
    if (pos_ >= text_.size()) fail("it ends inside a string");
    const char c = text_[pos_++];
    if (c == '"') return out;
    if (static_cast<unsigned char>(c) < 0x20) {
      --pos_;
      fail("a control character inside a string");
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (pos_ >= text_.size()) fail("it ends inside a string");
    const char e = text_[pos_++];
    switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        auto hex4 = [&] {
          unsigned v = 0;
          if (pos_ + 4 > text_.size()) fail("a short \\u escape");
          const auto r = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, v, 16);
          if (r.ptr != text_.data() + pos_ + 4) fail("a bad \\u escape");
          pos_ += 4;
          return v;
        };
        unsigned code = hex4();
        // A UTF-16 surrogate pair encodes one code point above U+FFFF.
        if (code >= 0xD800 && code < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
          pos_ += 2;
          const unsigned low = hex4();
          if (low < 0xDC00 || low > 0xDFFF) fail("a bad surrogate pair");
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, code);
        break;
      }
      default:
        --pos_;
        fail("an unknown escape in a string");
    }
  }
}

std::string_view JsonCursor::number_token() {
  // JSON's number grammar: -?digits(.digits)?([eE][+-]?digits)?
  const size_t start = pos_;
  auto digits = [&] {
    const size_t from = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    if (pos_ == from) fail("a malformed number");
  };
  if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
  // JSON allows no leading zeros ("007"): other readers (Python's json, browsers) would refuse the file.
  if (pos_ + 1 < text_.size() && text_[pos_] == '0' && is_digit(text_[pos_ + 1]))
    fail("a number with a leading zero");
  digits();
  if (pos_ < text_.size() && text_[pos_] == '.') {
    ++pos_;
    digits();
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    digits();
  }
  return text_.substr(start, pos_ - start);
}

bool JsonCursor::read_real(Real& out) {
  const char c = peek();
  if (c != '-' && !is_digit(c)) return false;
  const size_t start = pos_;
  const char* first = text_.data() + pos_;
  const char* last = text_.data() + text_.size();
  auto res = std::from_chars(first, last, out);
  if (res.ec == std::errc::result_out_of_range) {
    // A value too small for Real rounds towards zero, as a JSON reader of doubles cast to float would; only
    // a value too large for Real is an error.
    double wide = 0;
    res = std::from_chars(first, last, wide);
    if (res.ec != std::errc() || std::abs(wide) > static_cast<double>(std::numeric_limits<Real>::max())) {
      fail("a number is out of range");
    }
    out = static_cast<Real>(wide);
  }
  if (res.ec != std::errc()) fail("a malformed number");
  pos_ = static_cast<size_t>(res.ptr - text_.data());
  // from_chars accepts forms JSON does not ("1.", "-.5", "01"; "inf" and "nan" are excluded above), so every
  // token is scanned again with JSON's grammar and must end where from_chars ended.
  const size_t end = pos_;
  pos_ = start;
  number_token();
  if (pos_ != end) fail("a malformed number");
  return true;
}

bool JsonCursor::read_integer(long long& out) {
  const char c = peek();
  if (c != '-' && !is_digit(c)) return false;
  const auto token = number_token();
  const auto res = std::from_chars(token.data(), token.data() + token.size(), out);
  return res.ec == std::errc() && res.ptr == token.data() + token.size();
}

void JsonCursor::skip_literal() {
  for (const std::string_view word : {"true", "false", "null"})
    if (text_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return;
    }
  fail(pos_ >= text_.size() ? "it ends early" : "an unexpected character");
}

std::string_view JsonCursor::skip_value() {
  const char c = peek();
  const size_t start = pos_;
  if (++depth_ > kMaxDepth) fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
  if (c == '{') {
    ++pos_;
    if (!consume('}')) {
      do {
        read_string();
        expect(':');
        skip_value();
      } while (consume(','));
      expect('}');
    }
  } else if (c == '[') {
    ++pos_;
    if (!consume(']')) {
      do skip_value();
      while (consume(','));
      expect(']');
    }
  } else if (c == '"') {
    read_string();
  } else if (c == '-' || is_digit(c)) {
    number_token();
  } else {
    skip_literal();
  }
  --depth_;
  return text_.substr(start, pos_ - start);
}

}  // namespace yamlnet
