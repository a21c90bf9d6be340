#pragma once
// Roles a few layers take on besides Layer, so that Layer itself carries nothing particular to losses or
// data: code that needs a role asks for it (dynamic_cast) and treats a layer without it the plain way.
#include <cstddef>
#include <optional>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

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

}  // namespace yamlnet
