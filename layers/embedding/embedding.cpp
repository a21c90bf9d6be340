#include "layers/embedding/embedding.hpp"

#include <cmath>

#include "interpreter/core/collective.hpp"
#include "interpreter/core/errors.hpp"
#include "interpreter/core/prefetch.hpp"

namespace yamlnet {

Embedding::Embedding(const std::string& name, const Args& args)
    : Layer(name, "Embedding"),
      embeddings_(WeightArgs::read(args, "embeddings")),
      input_length_(args.get("input_length")),
      input_dim_(args.integer("input_dim")),
      output_dim_(args.integer("output_dim")),
      mask_zero_(args.boolean("mask_zero")),
      shard_rows_(args.string("shard") == "rows") {}

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
  const auto [rank, processes] = ShardScope::current();
  const bool split = shard_rows_ && processes > 1;
  if (shard_rows_ && (embeddings_.regularizer || embeddings_.constraint))
    // A penalty or a constraint reads every row of the table, which no process holds.
    throw ShapeError("a table split by rows takes no embeddings_regularizer or embeddings_constraint",
                     "shard");
  const auto [first, end] =
      split ? share_of(input_dim_, processes, rank) : std::pair<int64_t, int64_t>{0, input_dim_};
  Parameter& table = add_param("embeddings", {end - first, output_dim_}, std::move(embeddings_));
  if (split) table.shard = RowShard{first, input_dim_};
  // A batch looks up a few rows of the table: only those get a gradient (unless a penalty covers every row).
  if (!table.regularizer) table.row_grads.emplace(output_dim_);
  Shape out = in;
  out.push_back(output_dim_);
  return {out};
}

void Embedding::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& ids = *in.values[0];
  outputs[0].resize_appended(ids.shape, output_dim_);
  Real* out = outputs[0].ptr();
  if (params_[0].shard) {
    // The model fetched the batch's rows (ids already checked) from the processes that hold them.
    if (fetched_.slot_of.size() != static_cast<size_t>(ids.size()))
      throw TrainingError("layer '" + name() +
                          "' (Embedding): a pass of a table split by rows ran without the other processes "
                          "(the model was not given them)");
    const Real* rows = fetched_.rows.ptr();
    for (Index k = 0; k < ids.size(); ++k) {
      const Real* row = rows + fetched_.slot_of[static_cast<size_t>(k)] * output_dim_;
      std::copy(row, row + output_dim_, out + k * output_dim_);
    }
    return;
  }
  const Real* table = params_[0].value.ptr();
  for (Index k = 0; k < ids.size(); ++k) {
    if (k + kRowsAhead < ids.size())
      prefetch_row<false>(table + row_offset(ids.data[k + kRowsAhead]), output_dim_);
    const Index id = checked_id(ids.data[k]);
    std::copy(table + id * output_dim_, table + (id + 1) * output_dim_, out + k * output_dim_);
  }
}

Index Embedding::row_offset(Real value) const {
  // Only a hint: an id checked later as out of range is fetched as row 0.
  const Index id = static_cast<Index>(value);
  return id >= 0 && id < input_dim_ ? id * output_dim_ : 0;
}

Index Embedding::checked_id(Real value) const {
  const Index id = static_cast<Index>(value);
  if (id < 0 || id >= input_dim_ || static_cast<Real>(id) != value)
    throw DataError(
        "layer '" + name() + "' (Embedding)",
        "id " + std::to_string(value) + " is not an integer in [0, " + std::to_string(input_dim_) + ")");
  return id;
}

void Embedding::backward(const LayerInputs& in, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                         std::vector<Tensor*>&) {
  if (!trainable()) return;
  const Tensor& ids = *in.values[0];
  Parameter& table = params_[0];
  const Real* d_out = d_outputs[0].ptr();
  if (table.shard) {
    // Summed per fetched row, in lookup order (as the whole table's gradient rows would be); the model sends
    // them to the processes holding the rows.
    fetched_.grads.resize(fetched_.rows.shape);
    fetched_.grads.set_zero();
    Real* grads = fetched_.grads.ptr();
    for (Index k = 0; k < ids.size(); ++k)
      RowVectorMap(grads + fetched_.slot_of[static_cast<size_t>(k)] * output_dim_, output_dim_) +=
          ConstRowVectorMap(d_out + k * output_dim_, output_dim_);
    return;
  }
  if (table.row_grads) {
    for (Index k = 0; k < ids.size(); ++k)
      RowVectorMap(table.row_grads->add(static_cast<Index>(ids.data[k])), output_dim_) +=
          ConstRowVectorMap(d_out + k * output_dim_, output_dim_);
    return;
  }
  Real* grad = table.grad.ptr();
  for (Index k = 0; k < ids.size(); ++k) {
    if (k + kRowsAhead < ids.size())
      prefetch_row<true>(grad + row_offset(ids.data[k + kRowsAhead]), output_dim_);
    const Index id = static_cast<Index>(ids.data[k]);
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
               int_arg("input_length", std::nullopt, "length of input sequences, when constant", 1),
               enum_arg("shard", "none", {"none", "rows"},
                        "rows: under mpirun, each process holds a contiguous block of the table's rows, and "
                        "a batch's rows and their gradients move between processes (not in Keras)")};
  info.args.back().execution_only = true;
  info.aliases = {{"init", "embeddings_initializer", ""},
                  {"W_regularizer", "embeddings_regularizer", ""},
                  {"W_constraint", "embeddings_constraint", ""}};
  info.create = create_layer<Embedding>;
  return info;
}

}  // namespace yamlnet
