#pragma once
// The layer graph as Graphviz DOT, like Keras's plot_model(show_shapes=True): one box per layer with its type
// and input/output shapes, one arrow per connection (labelled with the output index when it is not 0).
#include <string>

namespace yamlnet {

class Graph;

std::string graph_dot(const Graph& graph);

}  // namespace yamlnet
