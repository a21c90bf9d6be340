#include "layers/merge/dot.hpp"

#include "interpreter/core/errors.hpp"
#include "layers/functional/l2_normalize.hpp"

namespace yamlnet {

Dot::Dot(const std::string& name, const Args& args)
    : Layer(name, "Dot"), axes_(args.get("axes").ints()), normalize_(args.boolean("normalize")) {}

std::vector<Shape> Dot::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 2);
  std::vector<int64_t> axes = axes_.size() == 1 ? std::vector<int64_t>{axes_[0], axes_[0]} : axes_;
  if (axes.size() != 2)
    throw ShapeError("axes takes one axis or a pair, got " + std::to_string(axes.size()), "axes");
  Operand* ops[] = {&a_op_, &b_op_};
  for (int k = 0; k < 2; ++k) {
    const Shape& shape = input_shapes[k];
    if (shape.empty() || shape.size() > 2)
      throw ShapeError("contracts vectors and matrices per sample; input " + std::to_string(k + 1) + " is " +
                       shape_to_string(shape));
    const int64_t rank = static_cast<int64_t>(shape.size()) + 1;  // with the batch, as Keras counts
    const int64_t axis = axes[k] < 0 ? axes[k] + rank : axes[k];
    if (axis < 1 || axis >= rank)
      throw ShapeError("axis " + std::to_string(axes[k]) + " of input " + std::to_string(k + 1) + " " +
                           shape_to_string(shape) + " is out of range (" +
                           (axis == 0 ? "axis 0 is the batch" : "1 to " + std::to_string(rank - 1)) + ")",
                       "axes");
    Operand& op = *ops[k];
    op.matrix = shape.size() == 2;
    op.transposed = op.matrix && axis == 1;
    op.depth = shape[static_cast<size_t>(axis - 1)];
    op.rows = op.matrix ? shape[op.transposed ? 1 : 0] : 1;
  }
  if (a_op_.depth != b_op_.depth)
    throw ShapeError("the contracted axes differ in size: " + std::to_string(a_op_.depth) + " in " +
                         shape_to_string(input_shapes[0]) + ", " + std::to_string(b_op_.depth) + " in " +
                         shape_to_string(input_shapes[1]),
                     "axes");
  Shape out;
  if (a_op_.matrix) out.push_back(a_op_.rows);
  if (b_op_.matrix) out.push_back(b_op_.rows);
  if (out.empty()) out.push_back(1);
  out_shape_ = out;
  return {out};
}

void Dot::gather(const Tensor& x, const Operand& op, Tensor& out) const {
  const Index B = x.batch(), per = op.rows * op.depth;
  out.resize({B * op.rows, op.depth});
  if (!op.transposed) {
    out.array() = x.array();
  } else {
    for (Index s = 0; s < B; ++s)
      MatrixMap(out.ptr() + s * per, op.rows, op.depth).noalias() =
          ConstMatrixMap(x.ptr() + s * per, op.depth, op.rows).transpose();
  }
}

void Dot::scatter_add(const Tensor& d, const Operand& op, Tensor& dx) const {
  if (!op.transposed) {
    dx.array() += d.array();
    return;
  }
  const Index B = dx.batch(), per = op.rows * op.depth;
  for (Index s = 0; s < B; ++s)
    MatrixMap(dx.ptr() + s * per, op.depth, op.rows) +=
        ConstMatrixMap(d.ptr() + s * per, op.rows, op.depth).transpose();
}

void Dot::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Index B = in.values[0]->batch();
  const Index ra = a_op_.rows, rb = b_op_.rows, depth = a_op_.depth;
  gather(*in.values[0], a_op_, a_);
  gather(*in.values[1], b_op_, b_);
  if (normalize_) {
    norms_a_.resize({B * ra});
    norms_b_.resize({B * rb});
    l2_normalize_rows(a_.ptr(), a_.ptr(), norms_a_.ptr(), B * ra, depth);
    l2_normalize_rows(b_.ptr(), b_.ptr(), norms_b_.ptr(), B * rb, depth);
  }
  outputs[0].resize_batch(B, out_shape_);
  for (Index s = 0; s < B; ++s) {
    ConstMatrixMap A(a_.ptr() + s * ra * depth, ra, depth), Bm(b_.ptr() + s * rb * depth, rb, depth);
    MatrixMap(outputs[0].ptr() + s * ra * rb, ra, rb).noalias() = A * Bm.transpose();
  }
}

void Dot::backward(const LayerInputs&, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                   std::vector<Tensor*>& d_inputs) {
  const Index B = d_outputs[0].batch();
  const Index ra = a_op_.rows, rb = b_op_.rows, depth = a_op_.depth;
  da_.resize(a_.shape);
  db_.resize(b_.shape);
  for (Index s = 0; s < B; ++s) {
    ConstMatrixMap dY(d_outputs[0].ptr() + s * ra * rb, ra, rb);
    ConstMatrixMap A(a_.ptr() + s * ra * depth, ra, depth), Bm(b_.ptr() + s * rb * depth, rb, depth);
    MatrixMap(da_.ptr() + s * ra * depth, ra, depth).noalias() = dY * Bm;
    MatrixMap(db_.ptr() + s * rb * depth, rb, depth).noalias() = dY.transpose() * A;
  }
  const std::pair<Tensor*, const Operand*> sides[] = {{&da_, &a_op_}, {&db_, &b_op_}};
  const Tensor* normalised[] = {&a_, &b_};
  const Tensor* norms[] = {&norms_a_, &norms_b_};
  for (int k = 0; k < 2; ++k) {
    if (!d_inputs[k]) continue;
    const auto [d, op] = sides[k];
    if (normalize_) {
      // Through the normalisation, in the gathered layout, before going back to the input's.
      dn_.resize(d->shape);
      dn_.set_zero();
      l2_normalize_rows_backward(normalised[k]->ptr(), norms[k]->ptr(), d->ptr(), dn_.ptr(), B * op->rows,
                                 depth);
      scatter_add(dn_, *op, *d_inputs[k]);
    } else {
      scatter_add(*d, *op, *d_inputs[k]);
    }
  }
}

LayerInfo dot_info() {
  LayerInfo info;
  info.type = "Dot";
  info.doc =
      "Dot product of two inputs along `axes` (vectors: one value; matrices (n, d), (m, d) on their last "
      "axes: (n, m); the axes left, the first input's then the second's).";
  info.args = {
      required(int_list_arg("axes",
                            "the axis to contract in both inputs, or a pair [axis of the first, axis of the "
                            "second]; counted with the batch (-1: last)",
                            true)),
      bool_arg("normalize", false, "L2-normalise both inputs first (cosine similarity)")};
  info.aliases = {{"dot_axes", "axes", ""}};
  info.min_inputs = info.max_inputs = 2;
  info.create = create_layer<Dot>;
  return info;
}

}  // namespace yamlnet
