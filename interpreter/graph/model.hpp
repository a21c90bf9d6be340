#pragma once
// A model: the graph its config declares, and the executor that runs that graph over a batch.
#include <memory>

#include "interpreter/graph/executor.hpp"
#include "interpreter/graph/graph.hpp"
#include "interpreter/graph/shard_exchange.hpp"

namespace yamlnet {

class Model : public Graph {
 public:
  // Builds the graph (throws ConfigError listing every problem) and plans its execution.
  explicit Model(std::shared_ptr<const ModelSpec> spec) : Graph(std::move(spec)), executor_(*this) {}
  explicit Model(ModelSpec&& spec) : Model(std::make_shared<const ModelSpec>(std::move(spec))) {}
  explicit Model(const ModelSpec& spec) : Model(std::make_shared<const ModelSpec>(spec)) {}

  // --- execution over one batch ---
  Tensor& input_buffer(size_t i) { return executor_.input_buffer(i); }
  void forward(const RunContext& ctx) {
    if (shards_) fetch_rows();
    executor_.forward(*this, ctx);
  }
  const Tensor& output(size_t k) const { return executor_.output(k); }
  const Tensor* output_mask(size_t k) const { return executor_.output_mask(k); }
  const Tensor& layer_output(int node, int index = 0) const { return executor_.layer_output(node, index); }
  const Tensor* layer_mask(int node, int index = 0) const { return executor_.layer_mask(node, index); }
  double activity_loss() const { return executor_.activity_loss(); }
  double weight_penalty() const { return executor_.weight_penalty(); }

  // Backward pass: zero_grads(), then add d loss/d output into output_grad(k), then backward().
  void zero_grads() { executor_.zero_grads(); }
  Tensor& output_grad(size_t k) { return executor_.output_grad(k); }
  void backward(const BatchShare& share = {}) {
    executor_.backward(*this, share);
    if (shards_) shards_->send_gradients(false);
  }

  // --- the processes of a data-parallel run (tables split by rows talk to them in every pass) ---
  void set_processes(Collective& processes);
  bool has_split_tables() const { return shards_ != nullptr; }
  Collective* processes() const { return processes_; }
  // What a process with no rows in a training batch does in place of forward and backward: its part of the
  // split tables' exchanges. Nothing without split tables.
  void idle_pass();
  // Around a loop of forward passes whose count differs between processes (each evaluates its own rows):
  // until every process has ended its loop, the ones done serve the split tables' exchanges of the others.
  void begin_uneven_passes() { uneven_ = shards_ != nullptr; }
  void end_uneven_passes();

 private:
  Executor executor_;
  Collective* processes_ = nullptr;
  std::unique_ptr<ShardExchange> shards_;
  bool uneven_ = false;
  // In an uneven loop, each pass first counts the processes whose loop has ended.
  int processes_done(bool done);
  void fetch_rows();
};

}  // namespace yamlnet
