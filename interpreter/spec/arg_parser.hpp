#pragma once
// Parses YAML nodes against ArgSpec tables: types, ranges, enums, unknown keys, Keras 1 aliases, defaults.
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "interpreter/spec/arg_spec.hpp"
#include "interpreter/spec/diagnostics.hpp"

namespace yamlnet {

// Parses one argument value. Records an error and returns a None value when it does not fit.
Value parse_arg(const YAML::Node& node, const ArgSpec& spec, DiagnosticSink& sink);

// A function value from `name` or `{type: name, arg: value...}`; `what` names the argument for messages.
Value parse_function(const YAML::Node& node, const FunctionFamily& family, const std::string& what,
                     DiagnosticSink& sink);

// The function value of a family member with every argument at its default.
Value default_function(const FunctionFamily& family, const std::string& name);

// Parses the keys of `map` against `table`. Keys in `reserved` are skipped (handled by the caller).
// Unknown keys are errors with a did-you-mean; missing required arguments are errors at `owner`.
Args parse_args(const YAML::Node& map, const std::vector<ArgSpec>& table,
                const std::vector<KerasAlias>& aliases, const std::set<std::string>& reserved,
                DiagnosticSink& sink);

// Every argument at its default (used by tests and by the schema).
Args default_args(const std::vector<ArgSpec>& table);

}  // namespace yamlnet
