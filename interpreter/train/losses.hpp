#pragma once
// Keras losses (entries in regression_losses.cpp, crossentropy_losses.cpp, hinge_losses.cpp), reduced as
// Keras's default (sum over the batch divided by the number of per-sample losses). Cross-entropy on a
// sigmoid/softmax output reads the logits, as Keras's TF backend does.
#include <memory>
#include <string>

#include "interpreter/core/random.hpp"
#include "interpreter/core/tensor.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

class Graph;

class Loss;
template <class Product, class... Context>
class KindRegistry;

// Every loss: its name, arguments and factory in one entry.
const KindRegistry<Loss>& loss_registry();
const FunctionFamily& loss_family();

class Loss {
 public:
  static std::unique_ptr<Loss> create(const Value& spec);
  virtual ~Loss() = default;
  const std::string& name() const { return name_; }

  // Whether this loss works on the logits of an output with this activation (sigmoid for binary,
  // softmax for categorical) instead of its probabilities.
  virtual bool takes_logits_of(const std::string& activation) const = 0;
  // Set when the model's output is already logits (from_logits: true) or when the output layer hands its
  // logits over (see takes_logits_of).
  void set_logits_input(bool on) { logits_input_ = on; }
  bool logits_input() const { return logits_input_; }
  bool from_logits_arg() const { return from_logits_arg_; }

  // The number of target values per prediction row of `width` values (1 for sparse labels).
  virtual Index target_width(Index width) const { return width; }
  // Mean loss of the batch over its rows (all axes but the last); writes d(loss)/d(input) into `grad`.
  // With `row_weights` (an output mask: one 0/1 per row), rows are weighted and the mean is over the weight,
  // so masked steps of a sequence count for nothing. `sampling` is the training step's generator: losses
  // that sample (sampled softmax) draw from it and also add their gradient into the parameters they read;
  // without it they compute the exact loss, as in evaluation.
  virtual double compute(const Tensor& input, const Tensor& target, Tensor& grad,
                         const Tensor* row_weights = nullptr, Random* sampling = nullptr);
  // The exact loss alone, as evaluation needs it: compute()'s value without `sampling`, its gradient
  // skipped by the losses where it costs as much again (the full softmax over a catalogue).
  virtual double value(const Tensor& input, const Tensor& target, const Tensor* row_weights = nullptr);

  // Losses that read model parameters (sampled softmax reads an item table) find them here. Throws
  // ConfigError naming the argument.
  virtual void bind(Graph& /*graph*/, size_t /*output*/) {}
  // Called with the training targets before fit (the frequency sampler counts them), or with how often
  // each id is a target when the data makes its batches as it trains.
  virtual void observe_targets(const Tensor& /*targets*/) {}
  virtual void observe_target_counts(const std::vector<double>& /*counts*/) {}
  // The factor the trainer scales this loss's input gradient by (its loss weight, Keras's divisor, a
  // data-parallel process's share of the batch): a loss that adds into parameters itself scales those too.
  void set_parameter_gradient_scale(double scale) { parameter_gradient_scale_ = scale; }

 protected:
  double parameter_gradient_scale_ = 1.0;
  // One row: returns its loss and writes d(row loss)/d(input row) into `grad`. (Losses that override
  // compute, over the whole batch, do not use it.)
  virtual double row_loss(const Real* /*input*/, const Real* /*target*/, Real* /*grad*/,
                          Index /*width*/) const {
    return 0.0;
  }

  explicit Loss(std::string name) : name_(std::move(name)) {}
  std::string name_;
  Tensor unread_grad_;  // value()'s gradient where it comes with the loss
  bool logits_input_ = false;
  bool from_logits_arg_ = false;
};

}  // namespace yamlnet
