#pragma once
// A model: the graph its config declares, and the executor that runs that graph over a batch.
#include <memory>

#include "interpreter/graph/executor.hpp"
#include "interpreter/graph/graph.hpp"

namespace yamlnet {

class Model : public Graph {
 public:
  // Builds the graph (throws ConfigError listing every problem) and plans its execution.
  explicit Model(std::shared_ptr<const ModelSpec> spec) : Graph(std::move(spec)), executor_(*this) {}
  explicit Model(ModelSpec&& spec) : Model(std::make_shared<const ModelSpec>(std::move(spec))) {}
  explicit Model(const ModelSpec& spec) : Model(std::make_shared<const ModelSpec>(spec)) {}

  // --- execution over one batch ---
  Tensor& input_buffer(size_t i) { return executor_.input_buffer(i); }
  void forward(const RunContext& ctx) { executor_.forward(*this, ctx); }
  const Tensor& output(size_t k) const { return executor_.output(k); }
  const Tensor* output_mask(size_t k) const { return executor_.output_mask(k); }
  const Tensor& layer_output(int node, int index = 0) const { return executor_.layer_output(node, index); }
  const Tensor* layer_mask(int node, int index = 0) const { return executor_.layer_mask(node, index); }
  double activity_loss() const { return executor_.activity_loss(); }
  double weight_penalty() const { return executor_.weight_penalty(); }

  // Backward pass: zero_grads(), then add d loss/d output into output_grad(k), then backward().
  void zero_grads() { executor_.zero_grads(); }
  Tensor& output_grad(size_t k) { return executor_.output_grad(k); }
  void backward(const BatchShare& share = {}) { executor_.backward(*this, share); }

 private:
  Executor executor_;
};

}  // namespace yamlnet
