#pragma once
// The argument tables of the `compile` and `fit` blocks.
#include <vector>

#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

const std::vector<ArgSpec>& compile_table();
const std::vector<ArgSpec>& fit_table();

class Graph;
// fit.class_weight as a table by class index (classes left out weigh 1); empty without one. Throws
// ConfigError at the value when the model has several outputs (Keras refuses them too) or a class index is
// not one of the output's classes.
std::vector<double> class_weight_table(const Value& class_weight, const Graph& graph);

}  // namespace yamlnet
