#pragma once
// Pooling a sequence (timesteps, features) to (features), honouring the mask: Keras's GlobalAveragePooling1D
// and GlobalMaxPooling1D, and SequencePooling (mode mean | sum | max) whose mean may divide by an explicit
// length input, as the YouTube-DNN code does; the length also masks the steps at or beyond it. A row whose
// steps are all masked pools to zeros (Keras gives NaN for the average), so padding-only histories cannot
// poison training.
#include "layers/registry.hpp"

namespace yamlnet {

class SequencePooling : public Layer {
 public:
  bool uses_masks() const override { return true; }
  enum class Mode { Mean, Sum, Max };
  SequencePooling(const std::string& name, const std::string& type, Mode mode, bool keepdims)
      : Layer(name, type), mode_(mode), keepdims_(keepdims) {}
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  bool input_takes_gradient(size_t index) const override { return index == 0; }

 private:
  Mode mode_;
  bool keepdims_;
  Tensor divisor_;             // per row: what the mean divides by (0 for an all-padding row)
  std::vector<Index> argmax_;  // max mode: the step chosen per (row, feature), -1 for none
};

LayerInfo global_average_pooling_1d_info();
LayerInfo global_max_pooling_1d_info();
LayerInfo sequence_pooling_info();

}  // namespace yamlnet
