#pragma once
#include <string>

namespace yamlnet {

class Graph;

// Keras's model.summary() table: Layer (type), Output Shape, Param #, Connected to; then the totals.
std::string model_summary(const Graph& graph);
// Every layer's arguments with defaults filled in, one layer per line (the config echo).
std::string config_echo(const Graph& graph);
// 101770 -> "101,770"
std::string thousands(long long value);

}  // namespace yamlnet
