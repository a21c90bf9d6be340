#pragma once
// The traffic of tables split by rows across the processes of a data-parallel run (Embedding's shard: rows).
// Before a forward pass each process asks the holders for the rows its batch reads (one all-to-all of ids,
// one of rows); after the backward pass it sends each row's gradient back (one all-to-all), and the holder
// adds them in process order into its own rows' gradient, marking those rows as touched for the optimizer.
// Every process takes part in every exchange, also one whose share of a batch is empty, so that the
// operations pair up.
#include <vector>

#include "interpreter/core/collective.hpp"
#include "layers/layer_roles.hpp"

namespace yamlnet {

class Model;

class ShardExchange {
 public:
  // The split tables of `model` (their parameters carry a RowShard); none when it has none.
  ShardExchange(Model& model, Collective& processes);
  bool empty() const { return tables_.empty(); }

  // Fetches the rows this process's batch reads (`idle`: it has no rows this time, but serves the others).
  void fetch(bool idle);
  // Sends the fetched rows' gradients to the processes holding them.
  void send_gradients(bool idle);

 private:
  struct Table {
    ShardedTable* layer;
    bool trainable = true;
    const Tensor* ids;  // the Input the layer reads
    Index width = 0, full_rows = 0, first_row = 0;
    std::vector<int64_t> wanted;     // this batch's distinct ids, increasing (so grouped by holder)
    std::vector<int> wanted_counts;  // per holder
    std::vector<int64_t> asked;      // the ids others asked this process for, in rank order
    std::vector<int> asked_counts;   // per asking process
    std::vector<int> send_values, receive_values;   // the counts above times the width
    std::vector<std::pair<int64_t, Index>> sorted;  // (id, lookup) of the batch
    Tensor outgoing;                                // rows (or gradients) this process sends
  };
  void fetch(Table& t, bool idle);
  void send_gradients(Table& t, bool idle);

  Collective& processes_;
  std::vector<Table> tables_;
};

}  // namespace yamlnet
