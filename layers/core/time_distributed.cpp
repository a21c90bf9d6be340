#include "layers/core/time_distributed.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

TimeDistributed::TimeDistributed(const std::string& name, const Args& args)
    : Layer(name, "TimeDistributed"),
      inner_(create_wrapped_layer(args.get("layer"), "", args.keras_version)),
      inner_logits_(dynamic_cast<ExposesLogits*>(inner_.get())) {}

std::vector<Shape> TimeDistributed::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  const Shape& in = input_shapes[0];
  if (in.size() < 2)
    throw ShapeError("expects a sequence of shape (timesteps, ...) per sample, got " + shape_to_string(in));
  inner_->set_trainable(trainable());
  const std::vector<Shape> inner = inner_->build({Shape(in.begin() + 1, in.end())});
  if (inner.size() != 1) throw ShapeError("the wrapped layer must have one output");
  inner_out_shape_ = inner[0];
  Shape out{in[0]};
  out.insert(out.end(), inner_out_shape_.begin(), inner_out_shape_.end());
  folded_out_.resize(1);
  folded_d_.resize(1);
  return {out};
}

void TimeDistributed::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) {
  const Tensor& x = *in.values[0];
  const Index B = x.batch(), T = x.shape[1];
  // Shapes are built in place in the tensors' own shape vectors: a Shape temporary would allocate every step.
  folded_in_.shape.assign(x.shape.begin() + 1, x.shape.end());
  folded_in_.shape[0] = B * T;
  folded_in_.resize(folded_in_.shape);
  folded_in_.array() = x.array();
  inner_->forward(inner_in_, folded_out_, ctx);
  Tensor& y = outputs[0];
  y.shape.assign({B, T});
  y.shape.insert(y.shape.end(), inner_out_shape_.begin(), inner_out_shape_.end());
  y.resize(y.shape);
  y.array() = folded_out_[0].array();
}

void TimeDistributed::backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                               std::vector<Tensor*>& d_inputs) {
  folded_d_[0].resize(folded_out_[0].shape);
  folded_d_[0].array() = d_outputs[0].array();
  folded_din_.resize(folded_in_.shape);
  folded_din_.set_zero();
  inner_d_in_[0] = d_inputs[0] ? &folded_din_ : nullptr;
  inner_->backward(inner_in_, folded_out_, folded_d_, inner_d_in_);
  if (d_inputs[0]) d_inputs[0]->array() += folded_din_.array();
}

void TimeDistributed::collect_params(std::vector<ParamSlot>& out, const std::string& prefix) {
  // Keras names them after the wrapper: time_distributed/kernel.
  inner_->collect_params(out, prefix);
}

LayerInfo time_distributed_info() {
  LayerInfo info;
  info.type = "TimeDistributed";
  info.doc = "Applies the wrapped layer (e.g. Dense) to every step of a sequence.";
  info.args = {layer_arg("layer", "the layer to apply at each step, e.g. {type: Dense, units: 8}")};
  info.create = create_layer<TimeDistributed>;
  return info;
}

}  // namespace yamlnet
