#include "interpreter/graph/shard_exchange.hpp"

#include <algorithm>

#include "interpreter/graph/model.hpp"
#include "layers/layer.hpp"

namespace yamlnet {

ShardExchange::ShardExchange(Model& model, Collective& processes) : processes_(processes) {
  const auto& nodes = model.nodes();
  for (size_t n = 0; n < nodes.size(); ++n) {
    auto* layer = dynamic_cast<ShardedTable*>(nodes[n].layer.get());
    if (!layer || !layer->table().shard) continue;
    Table t;
    t.layer = layer;
    t.trainable = nodes[n].layer->trainable();
    // Graph checks that a split table reads an Input, whose buffer holds the batch's ids before the forward.
    t.ids = &model.layer_output(nodes[n].inputs[0].node, nodes[n].inputs[0].index);
    const Parameter& table = layer->table();
    t.width = table.shape[1];
    t.full_rows = table.shard->full_rows;
    t.first_row = table.shard->first_row;
    const auto parts = static_cast<size_t>(processes.size());
    t.wanted_counts.resize(parts);
    t.send_values.resize(parts);
    t.receive_values.resize(parts);
    tables_.push_back(std::move(t));
  }
}

void ShardExchange::fetch(bool idle) {
  for (Table& t : tables_) fetch(t, idle);
}

void ShardExchange::send_gradients(bool idle) {
  // The reverse of the forward's order, as the backward pass visits the layers.
  for (auto t = tables_.rbegin(); t != tables_.rend(); ++t) send_gradients(*t, idle);
}

void ShardExchange::fetch(Table& t, bool idle) {
  FetchedRows& fetched = t.layer->fetched();
  // The batch's distinct ids in increasing order, which groups them by the process holding them.
  t.sorted.clear();
  const Index lookups = idle ? 0 : t.ids->size();
  for (Index k = 0; k < lookups; ++k) t.sorted.emplace_back(t.layer->checked_id(t.ids->data[k]), k);
  std::sort(t.sorted.begin(), t.sorted.end());
  fetched.slot_of.resize(static_cast<size_t>(lookups));
  t.wanted.clear();
  std::fill(t.wanted_counts.begin(), t.wanted_counts.end(), 0);
  for (const auto& [id, lookup] : t.sorted) {
    if (t.wanted.empty() || t.wanted.back() != id) {
      t.wanted.push_back(id);
      ++t.wanted_counts[static_cast<size_t>(owner_of_row(t.full_rows, processes_.size(), id))];
    }
    fetched.slot_of[static_cast<size_t>(lookup)] = static_cast<Index>(t.wanted.size()) - 1;
  }
  processes_.exchange(t.wanted_counts, t.wanted.data(), t.asked_counts, t.asked);
  // The rows asked of this process, in the askers' order.
  t.outgoing.resize({static_cast<Index>(t.asked.size()), t.width});
  const Real* own = t.layer->table().value.ptr();
  for (size_t j = 0; j < t.asked.size(); ++j)
    std::copy_n(own + (t.asked[j] - t.first_row) * t.width, t.width, t.outgoing.ptr() + j * t.width);
  for (size_t r = 0; r < t.send_values.size(); ++r) {
    t.send_values[r] = t.asked_counts[r] * static_cast<int>(t.width);
    t.receive_values[r] = t.wanted_counts[r] * static_cast<int>(t.width);
  }
  fetched.rows.resize({static_cast<Index>(t.wanted.size()), t.width});
  processes_.exchange_reals(t.send_values, t.outgoing.ptr(), t.receive_values, fetched.rows.ptr());
}

void ShardExchange::send_gradients(Table& t, bool idle) {
  if (!t.trainable) return;  // a frozen table takes no gradient (on every process alike)
  Parameter& table = t.layer->table();
  FetchedRows& fetched = t.layer->fetched();
  if (idle || fetched.grads.size() != fetched.rows.size()) {
    // Nothing read here (or the layer was not differentiated): zero gradients for the rows asked.
    fetched.grads.resize(fetched.rows.shape);
    fetched.grads.set_zero();
  }
  // Back the way the rows came: this process sends what it fetched, and receives for what it was asked.
  t.outgoing.resize({static_cast<Index>(t.asked.size()), t.width});
  processes_.exchange_reals(t.receive_values, fetched.grads.ptr(), t.send_values, t.outgoing.ptr());
  // Added in the askers' rank order: the same sums, in the same order, on every run. (A split table takes no
  // regularizer, so its gradient is always kept by rows.)
  for (size_t j = 0; j < t.asked.size(); ++j)
    RowVectorMap(table.row_grads->add(t.asked[j] - t.first_row), t.width) +=
        ConstRowVectorMap(t.outgoing.ptr() + j * t.width, t.width);
}

}  // namespace yamlnet
