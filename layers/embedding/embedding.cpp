#include "layers/embedding/embedding.hpp"

#include <cmath>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

Embedding::Embedding(const std::string& name, const Args& args)
    : Layer(name, "Embedding"),
      embeddings_(WeightArgs::read(args, "embeddings")),
      input_length_(args.get("input_length")),
      input_dim_(args.integer("input_dim")),
      output_dim_(args.integer("output_dim")),
      mask_zero_(args.boolean("mask_zero")) {}

std::vector<Shape> Embedding::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  const Shape& in = input_shapes[0];
  if (mask_zero_ && input_dim_ < 2)
    throw ShapeError("mask_zero reserves id 0 for padding, so input_dim must be at least 2", "input_dim");
  const Value& length = input_length_;
  if (!length.is_none() && (in.empty() || in[0] != length.i))
    throw ShapeError(
        "input_length " + std::to_string(length.i) + " does not match the input shape " + shape_to_string(in),
        "input_length");
  Parameter& table = add_param("embeddings", {input_dim_, output_dim_}, std::move(embeddings_));
  // A batch looks up a few rows of the table: only those get a gradient (unless a penalty covers every row).
  if (!table.regularizer) table.touched.emplace(input_dim_);
  Shape out = in;
  out.push_back(output_dim_);
  return {out};
}

void Embedding::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& ids = *in.values[0];
  outputs[0].resize_appended(ids.shape, output_dim_);
  const Real* table = params_[0].value.ptr();
  Real* out = outputs[0].ptr();
  for (Index k = 0; k < ids.size(); ++k) {
    const Index id = static_cast<Index>(ids.data[k]);
    if (id < 0 || id >= input_dim_ || static_cast<Real>(id) != ids.data[k])
      throw DataError("layer '" + name() + "' (Embedding)", "id " + std::to_string(ids.data[k]) +
                                                                " is not an integer in [0, " +
                                                                std::to_string(input_dim_) + ")");
    std::copy(table + id * output_dim_, table + (id + 1) * output_dim_, out + k * output_dim_);
  }
}

void Embedding::backward(const LayerInputs& in, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                         std::vector<Tensor*>&) {
  if (!trainable()) return;
  const Tensor& ids = *in.values[0];
  Parameter& table = params_[0];
  Real* grad = table.grad.ptr();
  const Real* d_out = d_outputs[0].ptr();
  for (Index k = 0; k < ids.size(); ++k) {
    const Index id = static_cast<Index>(ids.data[k]);
    if (table.touched) table.touched->add(id);
    RowVectorMap(grad + id * output_dim_, output_dim_) +=
        ConstRowVectorMap(d_out + k * output_dim_, output_dim_);
  }
}

void Embedding::compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                              std::vector<bool>& has_mask) const {
  has_mask[0] = mask_zero_;
  if (!mask_zero_) return;
  const Tensor& ids = *in.values[0];
  output_masks[0].resize(ids.shape);
  for (Index k = 0; k < ids.size(); ++k) output_masks[0].data[k] = ids.data[k] != Real(0) ? Real(1) : Real(0);
}

LayerInfo embedding_info() {
  LayerInfo info;
  info.type = "Embedding";
  info.doc = "Turns integer ids in [0, input_dim) into dense vectors of size output_dim.";
  info.args = {required(int_arg("input_dim", std::nullopt, "size of the vocabulary (largest id + 1)", 1)),
               required(int_arg("output_dim", std::nullopt, "dimension of the dense embedding", 1)),
               initializer_arg("embeddings_initializer", "random_uniform", "initializer of the table"),
               regularizer_arg("embeddings_regularizer", "penalty on the table"),
               regularizer_arg("activity_regularizer", "penalty on the output"),
               constraint_arg("embeddings_constraint", "constraint on the table"),
               bool_arg("mask_zero", false, "treat id 0 as padding and produce a mask"),
               int_arg("input_length", std::nullopt, "length of input sequences, when constant", 1)};
  info.aliases = {{"init", "embeddings_initializer", ""},
                  {"W_regularizer", "embeddings_regularizer", ""},
                  {"W_constraint", "embeddings_constraint", ""}};
  info.create = create_layer<Embedding>;
  return info;
}

}  // namespace yamlnet
