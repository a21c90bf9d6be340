#include "layers/merge/dot.hpp"

#include "interpreter/core/errors.hpp"
#include "layers/functional/l2_normalize.hpp"

namespace yamlnet {

Dot::Dot(const std::string& name, const Args& args)
    : Layer(name, "Dot"), axes_(args.get("axes").ints()), normalize_(args.boolean("normalize")) {}

std::vector<Shape> Dot::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 2);
  const Shape &a = input_shapes[0], &b = input_shapes[1];
  if (a.size() != b.size() || a.empty() || a.size() > 2)
    throw ShapeError("supports two vectors, or two matrices contracted on their last axis; got " +
                     shape_to_string(a) + " and " + shape_to_string(b));
  const int64_t rank = static_cast<int64_t>(a.size()) + 1;  // with the batch
  std::vector<int64_t> axes = axes_.size() == 1 ? std::vector<int64_t>{axes_[0], axes_[0]} : axes_;
  if (axes.size() != 2) throw ShapeError("axes takes one axis or two", "axes");
  for (auto& ax : axes) ax = ax < 0 ? ax + rank : ax;
  if (axes[0] != rank - 1 || axes[1] != rank - 1)
    throw ShapeError("only the last axis can be contracted (axes " + std::to_string(rank - 1) + " or -1)",
                     "axes");
  depth_ = a.back();
  if (b.back() != depth_)
    throw ShapeError("the contracted axes differ: " + shape_to_string(a) + " and " + shape_to_string(b),
                     "axes");
  rows_a_ = a.size() == 2 ? a[0] : 1;
  rows_b_ = b.size() == 2 ? b[0] : 1;
  return {a.size() == 1 ? Shape{1} : Shape{rows_a_, rows_b_}};
}

void Dot::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor &a = *in.values[0], &b = *in.values[1];
  const Index B = a.batch();
  a_.resize(a.shape);
  b_.resize(b.shape);
  if (normalize_) {
    norms_a_.resize({B * rows_a_});
    norms_b_.resize({B * rows_b_});
    l2_normalize_rows(a.ptr(), a_.ptr(), norms_a_.ptr(), B * rows_a_, depth_);
    l2_normalize_rows(b.ptr(), b_.ptr(), norms_b_.ptr(), B * rows_b_, depth_);
  } else {
    a_.array() = a.array();
    b_.array() = b.array();
  }
  if (rows_a_ == 1 && in.values[0]->shape.size() == 2)
    outputs[0].resize({B, 1});
  else
    outputs[0].resize({B, rows_a_, rows_b_});
  for (Index s = 0; s < B; ++s) {
    ConstMatrixMap A(a_.ptr() + s * rows_a_ * depth_, rows_a_, depth_),
        Bm(b_.ptr() + s * rows_b_ * depth_, rows_b_, depth_);
    MatrixMap(outputs[0].ptr() + s * rows_a_ * rows_b_, rows_a_, rows_b_).noalias() = A * Bm.transpose();
  }
}

void Dot::backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                   std::vector<Tensor*>& d_inputs) {
  const Index B = a_.batch();
  da_.resize(a_.shape);
  db_.resize(b_.shape);
  for (Index s = 0; s < B; ++s) {
    ConstMatrixMap dY(d_outputs[0].ptr() + s * rows_a_ * rows_b_, rows_a_, rows_b_);
    ConstMatrixMap A(a_.ptr() + s * rows_a_ * depth_, rows_a_, depth_),
        Bm(b_.ptr() + s * rows_b_ * depth_, rows_b_, depth_);
    MatrixMap(da_.ptr() + s * rows_a_ * depth_, rows_a_, depth_).noalias() = dY * Bm;
    MatrixMap(db_.ptr() + s * rows_b_ * depth_, rows_b_, depth_).noalias() = dY.transpose() * A;
  }
  if (normalize_) {
    if (d_inputs[0])
      l2_normalize_rows_backward(a_.ptr(), norms_a_.ptr(), da_.ptr(), d_inputs[0]->ptr(), B * rows_a_,
                                 depth_);
    if (d_inputs[1])
      l2_normalize_rows_backward(b_.ptr(), norms_b_.ptr(), db_.ptr(), d_inputs[1]->ptr(), B * rows_b_,
                                 depth_);
    return;
  }
  if (d_inputs[0]) d_inputs[0]->array() += da_.array();
  if (d_inputs[1]) d_inputs[1]->array() += db_.array();
}

LayerInfo dot_info() {
  LayerInfo info;
  info.type = "Dot";
  info.doc =
      "Dot product of two inputs along their last axis (vectors: one value; matrices (n, d), (m, d): (n, "
      "m)).";
  info.args = {
      required(int_list_arg("axes", "the axis to contract, counted with the batch (-1: last)", true)),
      bool_arg("normalize", false, "L2-normalise both inputs first (cosine similarity)")};
  info.min_inputs = info.max_inputs = 2;
  info.create = create_layer<Dot>;
  return info;
}

}  // namespace yamlnet
