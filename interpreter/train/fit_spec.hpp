#pragma once
// The argument tables of the `compile` and `fit` blocks, and the callbacks family.
#include <vector>

#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

const std::vector<ArgSpec>& compile_table();
const std::vector<ArgSpec>& fit_table();
const FunctionFamily& callback_family();

}  // namespace yamlnet
