#include "interpreter/graph/model.hpp"

#include <memory>

namespace yamlnet {

void Model::set_processes(Collective& processes) {
  processes_ = &processes;
  auto exchange = std::make_unique<ShardExchange>(*this, processes);
  shards_ = exchange->empty() ? nullptr : std::move(exchange);
}

void Model::idle_pass() {
  if (!shards_) return;
  shards_->fetch(true);
  shards_->send_gradients(true);
}

int Model::processes_done(bool done) {
  double count = done ? 1.0 : 0.0;
  processes_->sum_doubles(&count, 1);
  return static_cast<int>(count);
}

void Model::fetch_rows() {
  if (uneven_) processes_done(false);
  shards_->fetch(false);
}

void Model::end_uneven_passes() {
  if (!uneven_) return;
  // Every process ends here; the last to arrive makes the count whole, and all leave together.
  while (processes_done(true) < processes_->size()) shards_->fetch(true);
  uneven_ = false;
}

}  // namespace yamlnet
