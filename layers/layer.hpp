#pragma once
// The Layer contract. Shapes given to build() are per sample; at run time every buffer is batch-first.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "interpreter/core/random.hpp"
#include "interpreter/core/tensor.hpp"
#include "interpreter/spec/value.hpp"
#include "layers/functional/constraints.hpp"
#include "layers/functional/regularizers.hpp"
#include "layers/row_gradients.hpp"

namespace yamlnet {

enum class Mode { Inference, Training };

struct RunContext {
  Mode mode = Mode::Inference;
  Random* rng = nullptr;  // set in training: dropout draws then
  // Dropout draws are made per sample, seeded by the epoch's seed, the sample's position in the epoch and the
  // layer: the same masks whichever process of a data-parallel run the sample lands on, and however the batch
  // is split. `first_row` is the position of this batch's first sample.
  uint64_t draw_seed = 0;
  Index first_row = 0;
  // The generator of one sample's draws in one layer (`salt`: the layer's, fnv1a of its name).
  Random sample_random(uint64_t salt, Index sample) const {
    return Random(draw_seed ^ salt).split(static_cast<uint64_t>(first_row + sample));
  }
};

// The rows of a table that one process holds when the table is split by rows across the processes of a
// data-parallel run (Embedding's shard: rows): value, gradient and optimizer state cover rows
// [first_row, first_row + shape[0]) of full_rows; weights files hold every row.
struct RowShard {
  Index first_row = 0, full_rows = 0;
};

// A trainable (or frozen) weight with its gradient, addressed by its Keras name.
struct Parameter {
  std::string name;  // "kernel", "bias", "embeddings"
  Shape shape;
  Tensor value;
  Tensor grad;
  Value initializer;
  std::optional<Regularizer> regularizer;
  std::optional<Constraint> constraint;
  // Set when the gradient is row-sparse (an Embedding table without a regularizer, whose penalty would make
  // it dense): the gradient is kept here, and `grad` stays empty.
  std::optional<RowGradients> row_grads;
  // Set by a layer whose backward pass overwrites the whole gradient (a Dense kernel: one product with
  // beta 0) before anything adds to it, so zeroing it first would be a wasted pass.
  bool backward_assigns_grad = false;
  std::optional<RowShard> shard;  // set when this process holds only some rows

  // Zeroes the gradient (forgets a row-sparse one's rows); nothing when the backward pass assigns it.
  void zero_grad();
  // The gradient at position i of the value, whichever way it is kept: for checks, not for loops over rows.
  Real grad_at(Index i) const;
};

// What a layer reads from its arguments for one weight (Keras's <w>_initializer, <w>_regularizer and
// <w>_constraint), taken when the layer is made, so that a layer keeps no copy of its arguments until build,
// and handed to the weight's Parameter at build, so that they are not kept twice (a config may hold 150k
// layers).
struct WeightArgs {
  Value initializer;
  std::optional<Regularizer> regularizer;
  std::optional<Constraint> constraint;
  // `prefix` is the arguments' stem: "kernel", "recurrent" (recurrent_initializer), "embeddings".
  static WeightArgs read(const Args& args, const std::string& prefix);
};

// A parameter with its full name ("dense/kernel", "bi/forward_lstm/kernel").
struct ParamSlot {
  std::string key;
  Parameter* param;
};

// Inputs handed to forward/backward: the producers' buffers and masks (nullptr where there is no mask).
// A mask is a [batch, steps] tensor of 0/1.
struct LayerInputs {
  std::vector<const Tensor*> values;
  std::vector<const Tensor*> masks;
};

class Layer {
 public:
  Layer(std::string name, std::string type) : name_(std::move(name)), type_(std::move(type)) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }

  // Infers output shapes (per sample) and creates parameters; throws ShapeError naming what is wrong.
  virtual std::vector<Shape> build(const std::vector<Shape>& input_shapes) = 0;
  virtual size_t num_outputs() const { return 1; }

  // outputs are sized by the layer (Tensor::resize reuses capacity, so steady-state calls do not allocate).
  virtual void forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext& ctx) = 0;

  // Adds d loss/d input into d_inputs (pre-sized and zeroed by the executor; nullptr where the input takes no
  // gradient) and d loss/d parameter into each parameter's grad. d_outputs may be overwritten.
  virtual void backward(const LayerInputs& in, const std::vector<Tensor>& outputs,
                        std::vector<Tensor>& d_outputs, std::vector<Tensor*>& d_inputs) = 0;

  // Output masks. By default a layer that supports masking passes its first input's mask on; others drop it,
  // as Keras 2 does.
  virtual bool supports_masking() const { return false; }
  // Whether an input's mask means something here: passed on, or used (merges, recurrent layers, pooling,
  // Masking). Elsewhere (Flatten, Reshape, Dot...) a mask that arrives is dropped, and the model warns.
  virtual bool uses_masks() const { return supports_masking(); }
  virtual void compute_masks(const LayerInputs& in, std::vector<Tensor>& output_masks,
                             std::vector<bool>& has_mask) const;
  // Integer inputs (Embedding ids) take no gradient.
  virtual bool input_takes_gradient(size_t /*index*/) const { return true; }

  // Called after the parameters were filled from their initializers (LSTM's unit_forget_bias and Keras 1's
  // forget_bias_init); `seed` is the model's.
  virtual void finish_initialization(uint64_t /*seed*/) {}
  // Stateful layers forget the states carried over from the previous batch.
  virtual void reset_states() {}

  std::vector<Parameter>& params() { return params_; }
  const std::vector<Parameter>& params() const { return params_; }
  // Every parameter of this layer, including those of wrapped layers, named `prefix` + its path.
  virtual void collect_params(std::vector<ParamSlot>& out, const std::string& prefix);
  Index count_params();
  bool trainable() const { return trainable_; }
  void set_trainable(bool t) { trainable_ = t; }

  // Keras's activity_regularizer, applied by the executor to output 0.
  const std::optional<Regularizer>& activity_regularizer() const { return activity_regularizer_; }
  void set_activity_regularizer(std::optional<Regularizer> r) { activity_regularizer_ = r; }

 protected:
  Parameter& add_param(std::string name, Shape shape, Value initializer,
                       const Value& regularizer = Value::none(), const Value& constraint = Value::none());
  Parameter& add_param(std::string name, Shape shape, WeightArgs&& weight);

  std::vector<Parameter> params_;

 private:
  std::string name_, type_;
  bool trainable_ = true;
  std::optional<Regularizer> activity_regularizer_;
};

// The bytes the model's parameters may take, while a model is being built: add_param refuses (ShapeError)
// before allocating past it, so a typo like units: 10000000000 is an error, not an out-of-memory kill.
class ParameterBudget {
 public:
  explicit ParameterBudget(uint64_t limit_bytes);
  ~ParameterBudget();
  ParameterBudget(const ParameterBudget&) = delete;
  ParameterBudget& operator=(const ParameterBudget&) = delete;
  // Throws ShapeError when `shape` (values and gradients) does not fit; records it otherwise.
  static void reserve(const std::string& name, const Shape& shape);
  // Throws ShapeError unless all of a layer's weights fit together, without recording them: a layer with
  // several large weights calls it before its first add_param, so that nothing is allocated for a layer whose
  // last weight would not fit (an LSTM of 1e8 units: the kernel fits, the recurrent kernel does not).
  static void check(const std::vector<std::pair<std::string, Shape>>& weights);
  uint64_t used() const { return used_; }

 private:
  uint64_t limit_, used_ = 0;
  ParameterBudget* previous_;
};

// The processes the tables of a model being built are split across (Embedding's shard: rows): set by the
// training and evaluation commands around building the model; one process (nothing split) elsewhere.
class ShardScope {
 public:
  ShardScope(int rank, int size);
  ~ShardScope();
  ShardScope(const ShardScope&) = delete;
  ShardScope& operator=(const ShardScope&) = delete;
  // {rank, size} of the innermost scope, {0, 1} outside any.
  static std::pair<int, int> current();

 private:
  int rank_, size_;
  ShardScope* previous_;
};

// The shape a weights file holds for `p`: every row of a table split across processes.
Shape full_shape(const Parameter& p);
// Values [begin, end) of the whole weight (or of one optimizer slot for it) that this process holds: all of
// them when `p` is not split.
std::pair<Index, Index> own_values(const Parameter& p);

// Checks shared by layers: exactly `count` inputs.
void expect_inputs(const std::vector<Shape>& shapes, size_t count);

}  // namespace yamlnet
