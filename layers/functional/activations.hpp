#pragma once
// Keras activations with their derivatives (Keras 2's, and hard_sigmoid as each Keras writes it). Softmax
// acts on the last axis.
#include <optional>
#include <string>

#include "interpreter/core/real.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

const FunctionFamily& activation_family();

enum class ActivationKind {
  Linear,
  Relu,
  Sigmoid,
  Tanh,
  Softmax,
  Elu,
  Selu,
  Softplus,
  Softsign,
  HardSigmoid,        // Keras 1 and 2: clip(0.2 x + 0.5, 0, 1)
  HardSigmoidKeras3,  // Keras 3: relu6(x + 3) / 6
  Exponential,
  Swish,
  Gelu
};

class Activation {
 public:
  Activation() = default;
  // From a parsed activation value (see activation_family()); keras_version selects hard_sigmoid's formula.
  static Activation from_value(const Value& value, int keras_version);
  static Activation linear() { return Activation(); }

  ActivationKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  bool is_linear() const { return kind_ == ActivationKind::Linear; }
  // Sigmoid and softmax outputs let cross-entropy losses work on the logits, as Keras's TF backend does.
  bool is_sigmoid() const { return kind_ == ActivationKind::Sigmoid; }
  bool is_softmax() const { return kind_ == ActivationKind::Softmax; }
  // Parameters, for exporters that write the function out (ONNX).
  double alpha() const { return alpha_; }
  std::optional<double> max_value() const {
    return has_max_ ? std::optional<double>(max_value_) : std::nullopt;
  }
  double threshold() const { return threshold_; }
  bool approximate() const { return approximate_; }

  // y = f(z) over `rows` rows of `cols` values. y may alias z.
  void forward(const Real* z, Real* y, Index rows, Index cols) const;
  // dz = f'(z) applied to dy (the Jacobian-vector product for softmax). dz may alias dy.
  void backward(const Real* z, const Real* y, const Real* dy, Real* dz, Index rows, Index cols) const;

 private:
  ActivationKind kind_ = ActivationKind::Linear;
  std::string name_ = "linear";
  double alpha_ = 0.0;      // relu's negative slope, elu's alpha
  double max_value_ = 0.0;  // relu's cap (0 = none)
  bool has_max_ = false;
  double threshold_ = 0.0;    // relu
  bool approximate_ = false;  // gelu
};

}  // namespace yamlnet
