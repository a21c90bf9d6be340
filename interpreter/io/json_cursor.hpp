#pragma once
// A JSON pull reader over text in memory: the weights loader walks a file with it and converts the large
// float arrays straight into buffers (std::from_chars), where a DOM parse would build a node per value.
#include <string>
#include <string_view>

#include "interpreter/core/real.hpp"

namespace yamlnet {

class JsonCursor {
 public:
  JsonCursor(std::string_view text, std::string path);

  // The next character after whitespace ('\0' at the end), not consumed.
  char peek();
  // Consumes `c` when it comes next.
  bool consume(char c);
  // Consumes `c` or throws "not valid JSON" at the current position.
  void expect(char c);
  std::string read_string();
  // Skips one value (checking its syntax) and returns its text.
  std::string_view skip_value();
  // A number that fits Real; false (nothing consumed) when the next token is not a number. Throws when the
  // number is out of Real's range.
  bool read_real(Real& out);
  // An integer; false when the next token is a number that is not an integer (consumed) or not a number.
  bool read_integer(long long& out);
  // Throws unless only whitespace remains.
  void expect_end();

  size_t offset() const { return pos_; }
  void seek(size_t offset) { pos_ = offset; }

  // path:line:col of a byte offset.
  std::string where(size_t offset) const;
  [[noreturn]] void fail(const std::string& why) const;
  // Valid JSON that is not a valid weights file: the problem at the current position.
  [[noreturn]] void reject(const std::string& why) const;

 private:
  void skip_space();
  std::string_view number_token();
  void skip_literal();

  std::string_view text_;
  std::string path_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace yamlnet
