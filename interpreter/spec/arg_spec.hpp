#pragma once
// The one declaration of every argument a layer (or optimizer, loss, ...) takes. It drives parsing,
// defaults, the config echo in `summary`, error messages and the JSON Schema.
#include <optional>
#include <string>
#include <vector>

#include "interpreter/spec/value.hpp"

namespace yamlnet {

struct FunctionFamily;

enum class ArgType {
  Int,
  Float,
  Bool,
  String,
  Enum,
  IntList,
  StringList,
  Function,
  FunctionList,
  Layer,
  FloatList
};

// Arguments that may be given once per model output or per class, each entry parsed as the argument itself.
enum class Keying {
  None,
  PerOutput,  // the value, or a list in output order, or a map by output name (compile's loss, metrics)
  PerClass    // a map from class index to value, or a list by class index (fit's class_weight)
};

struct ArgSpec {
  ArgSpec() = default;
  ArgSpec(std::string n, ArgType t, Value def, std::string d)
      : name(std::move(n)), type(t), default_value(std::move(def)), doc(std::move(d)) {}

  std::string name;
  ArgType type = ArgType::Int;
  Value default_value;  // Kind::None with required == false means "optional, none by default"
  std::string doc;
  std::vector<std::string> choices;  // Enum, StringList
  bool (*also_accepts)(const std::string&) =
      nullptr;                             // StringList: values outside `choices` that are valid too
  std::string also_pattern;                // the same values as a regular expression (for the JSON Schema)
  const FunctionFamily* family = nullptr;  // Function, FunctionList; Float: a number or one of these
  bool required = false;
  std::optional<double> min;  // inclusive lower bound for numbers and list entries
  std::optional<double> max;  // inclusive upper bound
  bool min_exclusive = false;
  bool max_exclusive = false;
  // Where another Keras's default differs: keras_version -> that default, written as in a config
  // (LSTM's recurrent_activation is `hard_sigmoid` under keras_version 1).
  std::vector<std::pair<int, std::string>> version_defaults;
  Keying keying = Keying::None;
  // How the layer runs, not what it computes (Embedding's shard, ours): left out of the Keras files yamlnet
  // writes and of the architecture's hash, so that weights move freely between the two ways of running.
  bool execution_only = false;
};

// An old (Keras 1) argument name, translated to the current one. An empty new_name means the argument is
// accepted and ignored; its `values` (the keys) are then the values Keras 1 accepted. Keras 1 names make one
// warning per config unless it says `keras_version: 1` (DiagnosticSink::warn_about_keras1_names); a name that
// Keras 2 still accepted (`lr`, keras1_only false) is a rename warned about wherever it appears.
struct KerasAlias {
  KerasAlias(std::string old_n, std::string new_n, std::string n = "",
             std::vector<std::pair<std::string, std::string>> v = {})
      : old_name(std::move(old_n)), new_name(std::move(new_n)), note(std::move(n)), values(std::move(v)) {}

  std::string old_name;
  std::string new_name;
  std::string note;
  std::vector<std::pair<std::string, std::string>> values;  // old value -> new value (`one` -> `true`)
  bool keras1_only = true;
};

// One member of a family: `relu`, `glorot_uniform`, `l2`, `adam`, `early_stopping`...
struct FunctionInfo {
  FunctionInfo(std::string n, std::string d, std::vector<ArgSpec> a = {}, std::vector<std::string> al = {},
               std::vector<KerasAlias> ka = {})
      : name(std::move(n)),
        doc(std::move(d)),
        args(std::move(a)),
        aliases(std::move(al)),
        keras_aliases(std::move(ka)) {}

  std::string name;
  std::string doc;
  std::vector<ArgSpec> args;
  std::vector<std::string> aliases;  // other accepted names (`mse`, `GlorotUniform` is handled generically)
  std::vector<KerasAlias> keras_aliases;
};

struct FunctionFamily {
  std::string name;  // "activation", "initializer", ...
  std::vector<FunctionInfo> members;
  const FunctionInfo* find(const std::string& name) const;
  std::vector<std::string> names() const;
};

// Integer arguments (units, epochs, threads, ids, K) are at most this unless their table says otherwise:
// everything counted in a config fits a C int, so a typo such as `units: 1e12` or `epochs: 99999999999` is a
// range error at its line, never a silent wrap-around when it is stored.
constexpr double kLargestIntArg = 2147483647.0;

// Builder helpers that keep the tables short and readable.
ArgSpec int_arg(std::string name, std::optional<int64_t> def, std::string doc,
                std::optional<double> min = {});
ArgSpec float_arg(std::string name, std::optional<double> def, std::string doc,
                  std::optional<double> min = {}, std::optional<double> max = {});
ArgSpec bool_arg(std::string name, bool def, std::string doc);
ArgSpec string_arg(std::string name, std::optional<std::string> def, std::string doc);
ArgSpec enum_arg(std::string name, std::string def, std::vector<std::string> choices, std::string doc);
ArgSpec int_list_arg(std::string name, std::string doc, bool required, std::optional<double> min = {});
ArgSpec float_list_arg(std::string name, std::string doc, bool required, std::optional<double> min = {});
ArgSpec function_arg(std::string name, const FunctionFamily& family, std::optional<std::string> def,
                     std::string doc);

// The same spec with another upper bound.
inline ArgSpec at_most(ArgSpec a, double max) {
  a.max = max;
  return a;
}

// The same spec, whose default is `text` (as a config writes it) under that keras_version.
inline ArgSpec keras_default(ArgSpec a, int keras_version, std::string text) {
  a.version_defaults.emplace_back(keras_version, std::move(text));
  return a;
}

// The same spec, which may also be given per output or per class (Value::Kind::Keyed).
inline ArgSpec keyed(ArgSpec a, Keying keying) {
  a.keying = keying;
  return a;
}

// The same spec, marked required.
inline ArgSpec required(ArgSpec a) {
  a.required = true;
  return a;
}

// Edit distance, for did-you-mean suggestions.
size_t edit_distance(const std::string& a, const std::string& b);
// The closest candidate within a small distance, or "".
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates);
// "a, b, c", for the lists of known names in messages.
std::string join_names(const std::vector<std::string>& names);
// "GlorotUniform" -> "glorot_uniform", "L1L2" -> "l1_l2": Keras accepts class names for functions.
std::string snake_case(const std::string& name);
// "glorot_uniform" -> "GlorotUniform": Keras's class name of a function.
std::string camel_case(const std::string& snake);

}  // namespace yamlnet
