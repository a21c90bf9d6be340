#pragma once
// keras.layers.Bidirectional: a recurrent layer run forwards and a copy run backwards, outputs merged
// (concat, sum, mul, ave, or none for two outputs). With return_sequences the backward sequence is put back
// in time order, and masked steps are zeros, as in Keras.
#include <memory>

#include "layers/recurrent/recurrent_layer.hpp"

namespace yamlnet {

class Bidirectional : public Layer {
 public:
  bool uses_masks() const override { return true; }
  Bidirectional(const std::string& name, const Args& args);
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  size_t num_outputs() const override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  void compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                     std::vector<bool>& has_mask) const override;
  void collect_params(std::vector<ParamSlot>& out, const std::string& prefix) override;
  void finish_initialization(uint64_t seed) override;
  void reset_states() override;
  const std::string& merge_mode() const { return merge_mode_; }
  const RecurrentLayer& forward_layer() const { return *forward_; }
  const RecurrentLayer& backward_layer() const { return *backward_; }

 private:
  // The backward layer's outputs in time order (its sequence is produced in processing order).
  void reverse_steps(const Tensor& from, Tensor& to) const;

  std::string merge_mode_;
  std::unique_ptr<RecurrentLayer> forward_, backward_;
  size_t states_ = 0;  // state outputs per direction (0 without return_state)
  std::vector<Tensor> fwd_out_, bwd_out_, fwd_d_, bwd_d_;
  Tensor bwd_aligned_, bwd_d_aligned_;
};

LayerInfo bidirectional_info();

}  // namespace yamlnet
