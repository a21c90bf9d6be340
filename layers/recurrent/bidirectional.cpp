#include "layers/recurrent/bidirectional.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace {

std::unique_ptr<RecurrentLayer> as_recurrent(std::unique_ptr<Layer> layer) {
  auto* rnn = dynamic_cast<RecurrentLayer*>(layer.get());
  if (!rnn)
    throw ShapeError("wraps recurrent layers only (LSTM, GRU, SimpleRNN), got " + layer->type(), "layer");
  layer.release();
  return std::unique_ptr<RecurrentLayer>(rnn);
}

}  // namespace

Bidirectional::Bidirectional(const std::string& name, const Args& args)
    : Layer(name, "Bidirectional"), merge_mode_(args.string("merge_mode")) {
  const Value& inner = args.get("layer");
  forward_ = as_recurrent(create_wrapped_layer(inner, "forward_", args.keras_version));
  backward_ = as_recurrent(create_wrapped_layer(inner, "backward_", args.keras_version));
  backward_->set_go_backwards(!forward_->go_backwards());
}

std::vector<Shape> Bidirectional::build(const std::vector<Shape>& input_shapes) {
  forward_->set_trainable(trainable());
  backward_->set_trainable(trainable());
  const std::vector<Shape> shapes = forward_->build(input_shapes);
  backward_->build(input_shapes);
  // Keras's wrapper zeroes the outputs of masked steps instead of repeating the previous output.
  forward_->set_zero_output_for_mask(forward_->return_sequences());
  backward_->set_zero_output_for_mask(backward_->return_sequences());
  states_ = shapes.size() - 1;
  std::vector<Shape> out;
  Shape merged = shapes[0];
  if (merge_mode_ == "concat") merged.back() *= 2;
  out.push_back(merged);
  if (merge_mode_ == "none") out.push_back(shapes[0]);
  for (int direction = 0; direction < 2; ++direction)
    for (size_t s = 0; s < states_; ++s) out.push_back(shapes[1 + s]);
  fwd_out_.resize(shapes.size());
  bwd_out_.resize(shapes.size());
  fwd_d_.resize(shapes.size());
  bwd_d_.resize(shapes.size());
  return out;
}

size_t Bidirectional::num_outputs() const {
  return (merge_mode_ == "none" ? 2 : 1) + 2 * states_;
}

void Bidirectional::reverse_steps(const Tensor& from, Tensor& to) const {
  to.resize(from.shape);
  if (!forward_->return_sequences()) {
    to.array() = from.array();
    return;
  }
  const Index B = from.batch(), T = from.shape[1], u = from.last_dim();
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < T; ++t)
      std::copy_n(from.ptr() + (b * T + t) * u, u, to.ptr() + (b * T + (T - 1 - t)) * u);
}

void Bidirectional::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) {
  forward_->forward(in, fwd_out_, ctx);
  backward_->forward(in, bwd_out_, ctx);
  reverse_steps(bwd_out_[0], bwd_aligned_);
  const Tensor& f = fwd_out_[0];
  const Tensor& b = bwd_aligned_;
  if (merge_mode_ == "concat") {
    const Index u = f.last_dim();
    outputs[0].resize_last(f.shape, 2 * u);
    auto y = outputs[0].matrix(2 * u);
    y.leftCols(u) = f.matrix(u);
    y.rightCols(u) = b.matrix(u);
  } else if (merge_mode_ == "none") {
    outputs[0] = f;
    outputs[1] = b;
  } else {
    outputs[0].resize(f.shape);
    if (merge_mode_ == "sum") outputs[0].array() = f.array() + b.array();
    if (merge_mode_ == "mul") outputs[0].array() = f.array() * b.array();
    if (merge_mode_ == "ave") outputs[0].array() = (f.array() + b.array()) * Real(0.5);
  }
  const size_t first_state = merge_mode_ == "none" ? 2 : 1;
  for (size_t s = 0; s < states_; ++s) {
    outputs[first_state + s] = fwd_out_[1 + s];
    outputs[first_state + states_ + s] = bwd_out_[1 + s];
  }
}

void Bidirectional::backward(const LayerInputs& in, const std::vector<Tensor>&,
                             std::vector<Tensor>& d_outputs, std::vector<Tensor*>& d_inputs) {
  const Tensor& f = fwd_out_[0];
  const Tensor& b = bwd_aligned_;
  Tensor& df = fwd_d_[0];
  Tensor& db_aligned = bwd_d_aligned_;  // in time order; reversed into processing order below
  df.resize(f.shape);
  db_aligned.resize(f.shape);
  const Tensor& dy = d_outputs[0];
  if (merge_mode_ == "concat") {
    const Index u = f.last_dim();
    df.matrix(u) = dy.matrix(2 * u).leftCols(u);
    db_aligned.matrix(u) = dy.matrix(2 * u).rightCols(u);
  } else if (merge_mode_ == "none") {
    df.array() = dy.array();
    db_aligned.array() = d_outputs[1].array();
  } else if (merge_mode_ == "sum") {
    df.array() = dy.array();
    db_aligned.array() = dy.array();
  } else if (merge_mode_ == "ave") {
    df.array() = dy.array() * Real(0.5);
    db_aligned.array() = dy.array() * Real(0.5);
  } else {  // mul
    df.array() = dy.array() * b.array();
    db_aligned.array() = dy.array() * f.array();
  }
  reverse_steps(db_aligned, bwd_d_[0]);
  const size_t first_state = merge_mode_ == "none" ? 2 : 1;
  for (size_t s = 0; s < states_; ++s) {
    fwd_d_[1 + s] = d_outputs[first_state + s];
    bwd_d_[1 + s] = d_outputs[first_state + states_ + s];
  }
  forward_->backward(in, fwd_out_, fwd_d_, d_inputs);
  backward_->backward(in, bwd_out_, bwd_d_, d_inputs);
}

void Bidirectional::compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                                  std::vector<bool>& has_mask) const {
  for (size_t o = 0; o < has_mask.size(); ++o) has_mask[o] = false;
  if (!forward_->return_sequences() || in.masks.empty() || !in.masks[0]) return;
  const size_t sequences = merge_mode_ == "none" ? 2 : 1;
  for (size_t o = 0; o < sequences; ++o) {
    output_masks[o].resize(in.masks[0]->shape);
    output_masks[o].data = in.masks[0]->data;
    has_mask[o] = true;
  }
}

void Bidirectional::collect_params(std::vector<ParamSlot>& out, const std::string& prefix) {
  forward_->collect_params(out, prefix + forward_->name() + "/");
  backward_->collect_params(out, prefix + backward_->name() + "/");
}

void Bidirectional::finish_initialization(uint64_t seed) {
  forward_->finish_initialization(seed);
  backward_->finish_initialization(seed);
}

void Bidirectional::reset_states() {
  forward_->reset_states();
  backward_->reset_states();
}

LayerInfo bidirectional_info() {
  LayerInfo info;
  info.type = "Bidirectional";
  info.doc = "Runs a recurrent layer forwards and a copy backwards and merges their outputs.";
  info.args = {layer_arg("layer", "the recurrent layer, e.g. {type: LSTM, units: 64}"),
               enum_arg("merge_mode", "concat", {"concat", "sum", "mul", "ave", "none"},
                        "how the two directions' outputs are combined (none: two outputs)")};
  info.create = create_layer<Bidirectional>;
  return info;
}

}  // namespace yamlnet
