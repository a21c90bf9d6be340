#pragma once
// keras.layers.Flatten: each sample becomes one row, in row-major order.
#include "layers/core/reshaping_layer.hpp"

namespace yamlnet {

class Flatten : public ReshapingLayer {
 public:
  Flatten(const std::string& name, const Args&) : ReshapingLayer(name, "Flatten") {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
};

LayerInfo flatten_info();

}  // namespace yamlnet
