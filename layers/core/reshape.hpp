#pragma once
// keras.layers.Reshape: the same values under another per-sample shape (one -1 is inferred).
#include "layers/core/reshaping_layer.hpp"

namespace yamlnet {

class Reshape : public ReshapingLayer {
 public:
  Reshape(const std::string& name, const Args& args);
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;

 private:
  Shape requested_;  // target_shape as written, possibly with a -1
};

LayerInfo reshape_info();

}  // namespace yamlnet
