#include "layers/merge/concatenate.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

std::vector<Shape> Concatenate::build(const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() < 2) throw ShapeError("needs at least 2 inputs");
  const Index rank = static_cast<Index>(input_shapes[0].size());
  const Index full_axis = axis_ < 0 ? axis_ + rank + 1 : axis_;
  if (full_axis < 1 || full_axis > rank)
    throw ShapeError("axis " + std::to_string(axis_) + " is out of range for inputs of shape " +
                         shape_to_string(input_shapes[0]),
                     "axis");
  sample_axis_ = full_axis - 1;
  Shape out = input_shapes[0];
  out[sample_axis_] = 0;
  for (const Shape& s : input_shapes) {
    bool compatible = static_cast<Index>(s.size()) == rank;
    for (Index d = 0; compatible && d < rank; ++d)
      compatible = d == sample_axis_ || s[d] == input_shapes[0][d];
    if (!compatible) {
      std::string shapes;
      for (const Shape& t : input_shapes) shapes += (shapes.empty() ? "" : ", ") + shape_to_string(t);
      throw ShapeError("inputs must match except along axis " + std::to_string(axis_) + ", got " + shapes,
                       "axis");
    }
    out[sample_axis_] += s[sample_axis_];
  }
  outer_ = 1;
  for (Index d = 0; d < sample_axis_; ++d) outer_ *= out[d];
  block_sizes_.clear();
  for (const Shape& s : input_shapes) block_sizes_.push_back(shape_size(s) / outer_);
  out_block_ = shape_size(out) / outer_;
  out_shape_ = out;
  return {out};
}

void Concatenate::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Index batch = in.values[0]->batch();
  outputs[0].resize_batch(batch, out_shape_);
  Real* y = outputs[0].ptr();
  const Index rows = batch * outer_;
  Index offset = 0;
  for (size_t i = 0; i < in.values.size(); ++i) {
    const Index block = block_sizes_[i];
    MatrixMap(y, rows, out_block_).middleCols(offset, block) = in.values[i]->matrix(block);
    offset += block;
  }
}

void Concatenate::backward(const LayerInputs& in, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                           std::vector<Tensor*>& d_inputs) {
  const auto dy = d_outputs[0].matrix(out_block_);
  Index offset = 0;
  for (size_t i = 0; i < in.values.size(); ++i) {
    const Index block = block_sizes_[i];
    if (d_inputs[i]) d_inputs[i]->matrix(block) += dy.middleCols(offset, block);
    offset += block;
  }
}

void Concatenate::compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                                std::vector<bool>& has_mask) const {
  has_mask[0] = false;
  const Tensor* any = nullptr;
  for (const Tensor* m : in.masks) any = any ? any : m;
  if (!any) return;
  has_mask[0] = true;
  Tensor& out = output_masks[0];
  const Index rank = static_cast<Index>(in.values[0]->shape.size()) - 1;  // per sample
  if (sample_axis_ == rank - 1) {
    // Joining features: an input without a mask counts as all valid. Keras 1 and 2 take all() over the
    // joined masks (a step is valid where every input's is), Keras 3 any() (where some input's is).
    out.resize(any->shape);
    std::fill(out.data.begin(), out.data.end(), Real(1));
    if (keras_version_ >= 3) {
      for (const Tensor* m : in.masks)
        if (!m) return;
      out.array() = 0;
      for (const Tensor* m : in.masks) out.array() = out.array().max(m->array());
      return;
    }
    for (const Tensor* m : in.masks)
      if (m) out.array() *= m->array();
    return;
  }
  // Joining along a masked axis: the masks are joined too; an input without a mask counts as all valid.
  const Index batch = in.values[0]->batch();
  Shape shape = in.values[0]->shape;
  shape.pop_back();
  Index joined = 0;
  for (const Tensor* v : in.values) joined += v->shape[sample_axis_ + 1];
  shape[sample_axis_ + 1] = joined;
  out.resize(shape);
  const Index outer = shape_size(Shape(shape.begin() + 1, shape.begin() + 1 + sample_axis_));
  const Index out_block = shape_size(shape) / (batch * outer);
  Index offset = 0;
  for (size_t i = 0; i < in.values.size(); ++i) {
    const Index block = in.values[i]->size() / in.values[i]->last_dim() / (batch * outer);
    auto dst = out.matrix(out_block).middleCols(offset, block);
    if (in.masks[i])
      dst = in.masks[i]->matrix(block);
    else
      dst.setOnes();
    offset += block;
  }
}

LayerInfo concatenate_info() {
  LayerInfo info;
  info.type = "Concatenate";
  info.doc = "Concatenates its inputs along `axis`.";
  info.args = {int_arg("axis", -1, "axis to join along, counted with the batch axis (-1: last)")};
  info.min_inputs = 2;
  info.max_inputs = SIZE_MAX;
  info.create = create_layer<Concatenate>;
  return info;
}

}  // namespace yamlnet
