#pragma once
// Roles a few layers take on besides Layer, so that Layer itself carries nothing particular to losses or
// data: code that needs a role asks for it (dynamic_cast) and treats a layer without it the plain way.
#include <cstddef>
#include <optional>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

struct Parameter;

// An output layer ending in sigmoid or softmax (Dense, Activation, TimeDistributed of one) exposes its logits
// so cross-entropy can read them, as Keras's TF backend does; the loss then seeds the gradient at the logits
// and the layer's backward skips its activation.
class ExposesLogits {
 public:
  // nullptr when the last forward kept none (a linear activation).
  virtual const Tensor* logits() const = 0;
  virtual const char* output_activation() const = 0;
  virtual void set_gradient_at_logits(bool on) = 0;

 protected:
  ~ExposesLogits() = default;
};

// A layer that reads integer ids (Embedding): the largest id it accepts on input `index`, so that data is
// checked against it with the data file's row.
class TakesIds {
 public:
  virtual std::optional<Index> id_limit(size_t index) const = 0;

 protected:
  ~TakesIds() = default;
};

// A table split by rows across the processes of a data-parallel run (Embedding's shard: rows). Before a
// forward pass the model fetches the rows the batch reads from the processes that hold them
// (graph/shard_exchange.hpp); the layer reads and differentiates those; after the backward pass their
// gradients go back to the holders.
struct FetchedRows {
  Tensor rows;                 // [distinct ids, width], in increasing id order
  Tensor grads;                // the same shape: each row's gradient, summed over the batch
  std::vector<Index> slot_of;  // per lookup: its row in `rows`
};

class ShardedTable {
 public:
  // Whether the config asks for the split (the table is split only when there are several processes).
  virtual bool shard_requested() const = 0;
  virtual Parameter& table() = 0;
  virtual FetchedRows& fetched() = 0;
  // The id `value` stands for; throws DataError naming the layer unless it is an integer in the table.
  virtual Index checked_id(Real value) const = 0;

 protected:
  ~ShardedTable() = default;
};

}  // namespace yamlnet
