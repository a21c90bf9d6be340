#pragma once
// The argument tables of the `compile` and `fit` blocks.
#include <vector>

#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

const std::vector<ArgSpec>& compile_table();
const std::vector<ArgSpec>& fit_table();

}  // namespace yamlnet
