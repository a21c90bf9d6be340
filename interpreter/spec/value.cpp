#include "interpreter/spec/value.hpp"

#include <charconv>
#include <stdexcept>

namespace yamlnet {

struct Value::Lists {
  std::vector<NamedValue> args;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Value> items;
};

Value::Value() = default;
Value::~Value() = default;
Value::Value(const Value& other)
    : kind(other.kind),
      b(other.b),
      i(other.i),
      f(other.f),
      s(other.s),
      loc(other.loc),
      lists_(other.lists_ ? std::make_unique<Lists>(*other.lists_) : nullptr) {}
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value& other) {
  if (this != &other) *this = Value(other);
  return *this;
}
Value& Value::operator=(Value&&) noexcept = default;

Value::Lists& Value::lists() {
  if (!lists_) lists_ = std::make_unique<Lists>();
  return *lists_;
}

// One empty Lists for the values that have none.
static const Value::Lists& no_lists() {
  static const Value::Lists empty;
  return empty;
}

const std::vector<NamedValue>& Value::args() const {
  return (lists_ ? *lists_ : no_lists()).args;
}
std::vector<NamedValue>& Value::mutable_args() {
  return lists().args;
}
void Value::set_args(std::vector<NamedValue> args) {
  if (args.empty() && !lists_) return;
  lists().args = std::move(args);
}
const std::vector<int64_t>& Value::ints() const {
  return (lists_ ? *lists_ : no_lists()).ints;
}
const std::vector<std::string>& Value::strings() const {
  return (lists_ ? *lists_ : no_lists()).strings;
}
const std::vector<Value>& Value::items() const {
  return (lists_ ? *lists_ : no_lists()).items;
}
Value Value::int_list(std::vector<int64_t> v) {
  Value x;
  x.kind = Kind::IntList;
  x.lists().ints = std::move(v);
  return x;
}

// A float list keeps its numbers as items (Float values): rare enough not to need storage of its own.
Value Value::float_list(const std::vector<double>& v) {
  Value x;
  x.kind = Kind::FloatList;
  for (double d : v) x.lists().items.push_back(Value::number(d));
  return x;
}

std::vector<double> Value::floats() const {
  std::vector<double> out;
  for (const Value& v : items()) out.push_back(v.f);
  return out;
}

Value Value::string_list(std::vector<std::string> v) {
  Value x;
  x.kind = Kind::StringList;
  x.lists().strings = std::move(v);
  return x;
}

std::vector<std::string>& Value::mutable_strings() {
  return lists().strings;
}
std::vector<Value>& Value::mutable_items() {
  return lists().items;
}

Value Value::keyed(std::vector<Value> values, std::vector<std::string> keys) {
  Value x;
  x.kind = Kind::Keyed;
  x.lists().items = std::move(values);
  x.lists().strings = std::move(keys);
  return x;
}

const Value& Value::for_output(size_t index, const std::string& name) const {
  static const Value missing;
  if (kind != Kind::Keyed) return *this;
  if (strings().empty()) return index < items().size() ? items()[index] : missing;
  for (size_t k = 0; k < strings().size(); ++k)
    if (strings()[k] == name) return items()[k];
  return missing;
}

const Value* Value::arg(const std::string& name) const {
  for (const auto& [key, value] : args())
    if (key == name) return &value;
  return nullptr;
}

double Value::number_arg(const std::string& name) const {
  const Value* v = arg(name);
  if (!v) throw std::logic_error("function '" + s + "' has no argument '" + name + "'");
  return v->as_double();
}

static std::string format_double(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, res.ptr);
  return out;
}

std::string Value::to_string() const {
  switch (kind) {
    case Kind::None:
      return "null";
    case Kind::Int:
      return std::to_string(i);
    case Kind::Float:
      return format_double(f);
    case Kind::Bool:
      return b ? "true" : "false";
    case Kind::String:
      return s;
    case Kind::IntList: {
      std::string out = "[";
      for (size_t k = 0; k < ints().size(); ++k) out += (k ? ", " : "") + std::to_string(ints()[k]);
      return out + "]";
    }
    case Kind::FloatList: {
      std::string out = "[";
      for (size_t k = 0; k < items().size(); ++k) out += (k ? ", " : "") + format_double(items()[k].f);
      return out + "]";
    }
    case Kind::StringList: {
      std::string out = "[";
      for (size_t k = 0; k < strings().size(); ++k) out += (k ? ", " : "") + strings()[k];
      return out + "]";
    }
    case Kind::Keyed: {
      const bool named = !strings().empty();
      std::string out = named ? "{" : "[";
      for (size_t k = 0; k < items().size(); ++k)
        out += (k ? ", " : "") + (named ? strings()[k] + ": " : "") + items()[k].to_string();
      return out + (named ? "}" : "]");
    }
    case Kind::Function: {
      if (!items().empty() || s.empty()) {
        std::string out = "[";
        for (size_t k = 0; k < items().size(); ++k) out += (k ? ", " : "") + items()[k].to_string();
        return out + "]";
      }
      std::string out = "{type: " + s;
      for (const auto& [key, value] : args())
        if (!value.is_none()) out += ", " + key.str() + ": " + value.to_string();
      return out + "}";
    }
  }
  return "";
}

void Args::set(const std::string& name, Value v) {
  for (auto& [key, value] : values_)
    if (key == name) {
      value = std::move(v);
      return;
    }
  values_.emplace_back(name, std::move(v));
}

bool Args::has(const std::string& name) const {
  for (const auto& [key, value] : values_)
    if (key == name) return true;
  return false;
}

const Value& Args::get(const std::string& name) const {
  for (const auto& [key, value] : values_)
    if (key == name) return value;
  throw std::logic_error("no argument '" + name + "' in the table");
}

}  // namespace yamlnet
