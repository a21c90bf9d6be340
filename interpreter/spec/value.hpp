#pragma once
// A parsed, type-checked config value. Function values ({type: glorot_uniform, ...}) nest their arguments.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

struct Value;
// An argument: its table name (interned: the same few names recur in every layer) and its value.
using NamedValue = std::pair<InternedString, Value>;

struct Value {
  // Keyed: one value per output (a list, in output order) or per name (a map: `loss: {score: mse}`,
  // `class_weight: {0: 1, 1: 5}`); items() are the values, strings() the keys (empty for the list form).
  enum class Kind : uint8_t {
    None,
    Int,
    Float,
    Bool,
    String,
    IntList,
    StringList,
    Function,
    FloatList,
    Keyed
  };
  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0.0;
  std::string s;  // String value, or the function's type name
  SourceLoc loc;

  // The lists and a function's arguments, which few values have, sit behind one pointer: a layer's arguments
  // are mostly scalars and None, and a config of 150k layers holds some 1.5M values (in the spec and again in
  // the layers).
  const std::vector<NamedValue>& args() const;  // table order, defaults filled
  std::vector<NamedValue>& mutable_args();
  void set_args(std::vector<NamedValue> args);
  const std::vector<int64_t>& ints() const;
  const std::vector<std::string>& strings() const;  // a string list; a wrapped layer's name
  const std::vector<Value>& items() const;          // a list of functions (callbacks), or of numbers
  std::vector<double> floats() const;               // a float list's numbers
  std::vector<std::string>& mutable_strings();
  std::vector<Value>& mutable_items();
  struct Lists;

  // Defined in value.cpp, where Value is complete: a vector of pair<string, Value> inside Value itself
  // cannot have its special members instantiated earlier (Clang insists).
  Value();
  ~Value();
  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;

  static Value none() { return Value(); }
  static Value integer(int64_t v) {
    Value x;
    x.kind = Kind::Int;
    x.i = v;
    return x;
  }
  static Value number(double v) {
    Value x;
    x.kind = Kind::Float;
    x.f = v;
    return x;
  }
  static Value boolean(bool v) {
    Value x;
    x.kind = Kind::Bool;
    x.b = v;
    return x;
  }
  static Value string(std::string v) {
    Value x;
    x.kind = Kind::String;
    x.s = std::move(v);
    return x;
  }
  static Value int_list(std::vector<int64_t> v);
  static Value string_list(std::vector<std::string> v);
  static Value float_list(const std::vector<double>& v);
  static Value keyed(std::vector<Value> values, std::vector<std::string> keys);
  static Value function(std::string type) {
    Value x;
    x.kind = Kind::Function;
    x.s = std::move(type);
    return x;
  }

  bool is_none() const { return kind == Kind::None; }
  // Numeric view: ints read as floats too.
  double as_double() const { return kind == Kind::Int ? static_cast<double>(i) : f; }
  const Value* arg(const std::string& name) const;
  // This value for output `index` named `name`: a Keyed value's entry (by position for the list form, by
  // name for the map form; None when the map leaves the output out); any other value as it is.
  const Value& for_output(size_t index, const std::string& name) const;
  double number_arg(const std::string& name) const;
  // A short human form: 3, 0.5, relu, {type: l2, l2: 0.01}.
  std::string to_string() const;

 private:
  Lists& lists();
  std::unique_ptr<Lists> lists_;
};

// The arguments of one layer (or block) in table order, defaults filled in.
class Args {
 public:
  void set(const std::string& name, Value v);
  void reserve(size_t count) { values_.reserve(count); }
  const Value& get(const std::string& name) const;  // throws std::logic_error for a name not in the table
  bool has(const std::string& name) const;
  int64_t integer(const std::string& name) const { return get(name).i; }
  double number(const std::string& name) const { return get(name).as_double(); }
  bool boolean(const std::string& name) const { return get(name).b; }
  const std::string& string(const std::string& name) const { return get(name).s; }
  const std::vector<NamedValue>& items() const { return values_; }

  // Not an argument: the config's keras_version, whose formulas the layer follows (hard_sigmoid,
  // Concatenate's mask). The version's defaults are already in the values.
  int keras_version = 2;

 private:
  std::vector<NamedValue> values_;
};

}  // namespace yamlnet
