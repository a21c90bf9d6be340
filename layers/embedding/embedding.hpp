#pragma once
// keras.layers.Embedding: integer ids -> rows of a [input_dim, output_dim] table; mask_zero makes id 0
// padding. `shard: rows` (ours) splits the table by rows across the processes of an mpirun launch.
#include "layers/layer_roles.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

class Embedding : public Layer, public TakesIds, public ShardedTable {
 public:
  Embedding(const std::string& name, const Args& args);
  std::vector<Shape> build(const std::vector<Shape>& input_shapes) override;
  void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) override;
  void backward(const LayerInputs& in, const std::vector<Tensor>& outputs, std::vector<Tensor>& d_outputs,
                std::vector<Tensor*>& d_inputs) override;
  void compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                     std::vector<bool>& has_mask) const override;
  bool input_takes_gradient(size_t) const override { return false; }
  std::optional<Index> id_limit(size_t) const override { return input_dim_; }
  bool mask_zero() const { return mask_zero_; }
  bool shard_requested() const override { return shard_rows_; }
  Parameter& table() override { return params_[0]; }
  FetchedRows& fetched() override { return fetched_; }
  Index checked_id(Real value) const override;

 private:
  Index row_offset(Real value) const;  // where an id's row starts, to fetch it ahead

  WeightArgs embeddings_;  // handed to the table at build
  Value input_length_;
  Index input_dim_, output_dim_;
  bool mask_zero_, shard_rows_;
  FetchedRows fetched_;  // the batch's rows when the table is split (params_[0].shard)
};

LayerInfo embedding_info();

}  // namespace yamlnet
