#include "layers/core/dense.hpp"

#include <algorithm>

#include "interpreter/core/errors.hpp"
#include "interpreter/core/gemm.hpp"
#include "interpreter/core/threads.hpp"

namespace yamlnet {

Dense::Dense(const std::string& name, const Args& args)
    : Layer(name, "Dense"),
      kernel_(WeightArgs::read(args, "kernel")),
      bias_(WeightArgs::read(args, "bias")),
      units_(args.integer("units")),
      use_bias_(args.boolean("use_bias")),
      activation_(Activation::from_value(args.get("activation"), args.keras_version)) {}

std::vector<Shape> Dense::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  const Shape& in = input_shapes[0];
  if (in.empty())
    throw ShapeError("needs an input of rank >= 1 per sample, got shape " + shape_to_string(in));
  input_dim_ = in.back();
  add_param("kernel", {input_dim_, units_}, std::move(kernel_)).backward_assigns_grad = true;
  if (use_bias_) add_param("bias", {units_}, std::move(bias_)).backward_assigns_grad = true;
  Shape out = in;
  out.back() = units_;
  return {out};
}

const Tensor* Dense::logits() const {
  return (activation_.is_sigmoid() || activation_.is_softmax()) ? &pre_activation_ : nullptr;
}

void Dense::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& x = *in.values[0];
  Tensor& y = outputs[0];
  y.resize_last(x.shape, units_);
  Tensor& z = activation_.is_linear() ? y : pre_activation_;
  z.resize(y.shape);
  auto Z = z.matrix(units_);
  const auto X = x.matrix(input_dim_);
  const auto W = params_[0].value.matrix(units_);
  // Split over the kernel's rows (see split_depth): piece 0 writes Z, the others their partial sums.
  const Index rows = Z.rows();
  partial_.resize({std::max(0, product_threads(rows, input_dim_, units_) - 1) * rows, units_});
  const Index pieces = split_depth(rows, input_dim_, units_, [&](Index p, Index k, Index nk) {
    MatrixMap out = p == 0 ? Z : MatrixMap(partial_.ptr() + (p - 1) * rows * units_, rows, units_);
    // Piece 0 starts from the bias and adds its product (the bias would take another pass).
    const bool from_bias = p == 0 && use_bias_;
    if (from_bias) out.rowwise() = ConstRowVectorMap(params_[1].value.ptr(), units_);
    gemm(Op::plain, X.middleCols(k, nk), Op::plain, W.middleRows(k, nk), out, from_bias ? Real(1) : Real(0));
  });
  for (Index p = 1; p < pieces; ++p) Z += MatrixMap(partial_.ptr() + (p - 1) * rows * units_, rows, units_);
  if (!activation_.is_linear()) activation_.forward(z.ptr(), y.ptr(), Z.rows(), units_);
}

void Dense::backward(const LayerInputs& in, const std::vector<Tensor>& outputs,
                     std::vector<Tensor>& d_outputs, std::vector<Tensor*>& d_inputs) {
  const Tensor& x = *in.values[0];
  Tensor& dy = d_outputs[0];
  const Index rows = dy.size() / units_;
  // dy becomes d(pre-activation) in place; with gradient_at_logits_ the loss already seeded it there.
  if (!activation_.is_linear() && !gradient_at_logits_)
    activation_.backward(pre_activation_.ptr(), outputs[0].ptr(), dy.ptr(), dy.ptr(), rows, units_);
  const auto dZ = dy.matrix(units_);
  const auto X = x.matrix(input_dim_);
  if (trainable()) {
    // The kernel's and the bias's gradients are assigned (backward_assigns_grad): nothing else writes them
    // before this, and the weight penalty is added after.
    auto dW = params_[0].grad.matrix(units_);
    split_product(
        input_dim_, rows, units_,
        [&](Index r, Index nr, Index c, Index nc) {
          gemm(Op::transposed, X.middleCols(r, nr), Op::plain, dZ.middleCols(c, nc), dW.block(r, c, nr, nc),
               Real(0));
        },
        SplitBy::rows);
    if (use_bias_) RowVectorMap(params_[1].grad.ptr(), units_) = dZ.colwise().sum();
  }
  if (d_inputs[0]) {
    auto dX = d_inputs[0]->matrix(input_dim_);
    const auto W = params_[0].value.matrix(units_);
    split_product(rows, units_, input_dim_, [&](Index r, Index nr, Index c, Index nc) {
      gemm(Op::plain, dZ.middleRows(r, nr), Op::transposed, W.middleRows(c, nc), dX.block(r, c, nr, nc),
           Real(1));
    });
  }
}

LayerInfo dense_info() {
  LayerInfo info;
  info.type = "Dense";
  info.doc = "Densely connected layer: activation(dot(x, kernel) + bias) on the last axis.";
  info.args = {required(int_arg("units", std::nullopt, "dimensionality of the output", 1)),
               activation_arg("linear"),
               bool_arg("use_bias", true, "whether to add a bias vector"),
               initializer_arg("kernel_initializer", "glorot_uniform", "initializer of the kernel"),
               initializer_arg("bias_initializer", "zeros", "initializer of the bias"),
               regularizer_arg("kernel_regularizer", "penalty on the kernel"),
               regularizer_arg("bias_regularizer", "penalty on the bias"),
               regularizer_arg("activity_regularizer", "penalty on the output"),
               constraint_arg("kernel_constraint", "constraint on the kernel"),
               constraint_arg("bias_constraint", "constraint on the bias")};
  info.aliases = {{"output_dim", "units", ""},
                  {"init", "kernel_initializer", ""},
                  {"W_regularizer", "kernel_regularizer", ""},
                  {"b_regularizer", "bias_regularizer", ""},
                  {"W_constraint", "kernel_constraint", ""},
                  {"b_constraint", "bias_constraint", ""},
                  {"bias", "use_bias", ""}};
  info.create = create_layer<Dense>;
  return info;
}

}  // namespace yamlnet
