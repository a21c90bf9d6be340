#pragma once
// keras.layers.Concatenate: joins inputs along `axis` (counted with the batch, as in Keras; -1 = last).
#include "layers/registry.hpp"

namespace yamlnet {

class Concatenate : public Layer {
 public:
  bool uses_masks() const override { return true; }
  Concatenate(const std::string& name, const Args& args)
      : Layer(name, "Concatenate"), axis_(args.integer("axis")), keras_version_(args.keras_version) {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  void compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                     std::vector<bool>& has_mask) const override;

 private:
  int64_t axis_;
  int keras_version_;      // the feature-axis mask: all() of the inputs' masks before Keras 3, any() from it
  Index sample_axis_ = 0;  // the axis within a sample
  std::vector<Index> block_sizes_;  // per input: values from the axis on, for one outer index
  Index outer_ = 1;                 // per sample: product of the dimensions before the axis
  Index out_block_ = 0;
  Shape out_shape_;
};

LayerInfo concatenate_info();

}  // namespace yamlnet
