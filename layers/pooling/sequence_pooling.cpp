#include "layers/pooling/sequence_pooling.hpp"

#include <limits>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

namespace {

constexpr double kLengthEpsilon = 1e-8;  // DeepCTR's SequencePoolingLayer: sum / (length + eps)

// Step t of row b counts when the mask (mask_zero) keeps it and it lies before the row's length
// (tf.sequence_mask): with both, both must hold.
bool step_counts(const Tensor* mask, const Tensor* length, Index b, Index t, Index T) {
  if (mask && mask->data[b * T + t] == 0) return false;
  return !length || static_cast<double>(t) < static_cast<double>(length->data[b]);
}

}  // namespace

std::vector<Shape> SequencePooling::build(const std::vector<Shape>& input_shapes) {
  if (input_shapes.empty() || input_shapes.size() > 2)
    throw ShapeError("takes a sequence and, optionally, its length");
  const Shape& in = input_shapes[0];
  if (in.size() != 2)
    throw ShapeError("expects a sequence of shape (timesteps, features) per sample, got " +
                     shape_to_string(in));
  if (input_shapes.size() == 2) {
    if (type() != "SequencePooling") throw ShapeError("takes one input; SequencePooling also takes a length");
    if (shape_size(input_shapes[1]) != 1)
      throw ShapeError("the length input must hold one number per sample, got " +
                       shape_to_string(input_shapes[1]));
  }
  return {keepdims_ ? Shape{1, in[1]} : Shape{in[1]}};
}

void SequencePooling::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& x = *in.values[0];
  const Tensor* mask = in.masks.empty() ? nullptr : in.masks[0];
  const Tensor* length = in.values.size() > 1 ? in.values[1] : nullptr;
  const Index B = x.batch(), T = x.shape[1], F = x.shape[2];
  if (keepdims_)
    outputs[0].resize({B, 1, F});
  else
    outputs[0].resize({B, F});
  Real* y = outputs[0].ptr();
  divisor_.resize({B});
  if (mode_ == Mode::Max) argmax_.assign(static_cast<size_t>(B * F), -1);
  for (Index b = 0; b < B; ++b) {
    Index valid = 0;
    for (Index f = 0; f < F; ++f)
      y[b * F + f] = mode_ == Mode::Max ? -std::numeric_limits<Real>::infinity() : Real(0);
    for (Index t = 0; t < T; ++t) {
      if (!step_counts(mask, length, b, t, T)) continue;
      ++valid;
      const Real* row = x.ptr() + (b * T + t) * F;
      for (Index f = 0; f < F; ++f) {
        if (mode_ != Mode::Max) {
          y[b * F + f] += row[f];
        } else if (row[f] > y[b * F + f]) {
          y[b * F + f] = row[f];
          argmax_[b * F + f] = t;
        }
      }
    }
    double divisor = 1.0;
    if (mode_ == Mode::Mean)
      divisor = length ? static_cast<double>(length->data[b]) + kLengthEpsilon : static_cast<double>(valid);
    if (valid == 0) divisor = 0.0;  // all padding: zeros, not NaN
    divisor_.data[b] = static_cast<Real>(divisor);
    for (Index f = 0; f < F; ++f) {
      Real& v = y[b * F + f];
      if (valid == 0)
        v = 0;
      else if (mode_ == Mode::Mean)
        v = static_cast<Real>(v / divisor);
    }
  }
}

void SequencePooling::backward(const LayerInputs& in, const std::vector<Tensor>&,
                               std::vector<Tensor>& d_outputs, std::vector<Tensor*>& d_inputs) {
  if (!d_inputs[0]) return;
  const Tensor& x = *in.values[0];
  const Tensor* mask = in.masks.empty() ? nullptr : in.masks[0];
  const Tensor* length = in.values.size() > 1 ? in.values[1] : nullptr;
  const Index B = x.batch(), T = x.shape[1], F = x.shape[2];
  const Real* dy = d_outputs[0].ptr();
  Real* dx = d_inputs[0]->ptr();
  for (Index b = 0; b < B; ++b) {
    if (divisor_.data[b] == 0) continue;
    if (mode_ == Mode::Max) {
      for (Index f = 0; f < F; ++f)
        if (argmax_[b * F + f] >= 0) dx[(b * T + argmax_[b * F + f]) * F + f] += dy[b * F + f];
      continue;
    }
    const Real scale = mode_ == Mode::Mean ? Real(1) / divisor_.data[b] : Real(1);
    for (Index t = 0; t < T; ++t) {
      if (!step_counts(mask, length, b, t, T)) continue;
      for (Index f = 0; f < F; ++f) dx[(b * T + t) * F + f] += dy[b * F + f] * scale;
    }
  }
}

namespace {

std::vector<ArgSpec> keras_pooling_args() {
  return {enum_arg("data_format", "channels_last", {"channels_last"}, "only channels_last is supported"),
          bool_arg("keepdims", false, "keep the steps axis with length 1")};
}

}  // namespace

// Keras's GlobalAveragePooling1D / GlobalMaxPooling1D: the same layer in mean or max mode.
LayerInfo keras_global_pooling_info(const std::string& type, SequencePooling::Mode mode,
                                    const std::string& doc) {
  LayerInfo info;
  info.type = type;
  info.doc = doc;
  info.args = keras_pooling_args();
  info.create = [type, mode](const std::string& name, const Args& args) -> std::unique_ptr<Layer> {
    return std::make_unique<SequencePooling>(name, type, mode, args.boolean("keepdims"));
  };
  return info;
}

LayerInfo global_average_pooling_1d_info() {
  return keras_global_pooling_info(
      "GlobalAveragePooling1D", SequencePooling::Mode::Mean,
      "Mean over the steps of a sequence; with a mask, over the valid steps only (all padding gives zeros).");
}

LayerInfo global_max_pooling_1d_info() {
  return keras_global_pooling_info("GlobalMaxPooling1D", SequencePooling::Mode::Max,
                                   "Maximum over the steps of a sequence; with a mask, over the valid steps "
                                   "only (all padding gives zeros).");
}

LayerInfo sequence_pooling_info() {
  LayerInfo info;
  info.type = "SequencePooling";
  info.doc =
      "Pools a (masked) sequence by mean, sum or max. A second input holding each sequence's length masks "
      "the steps at or beyond it (tf.sequence_mask; with mask_zero too, a step must pass both), and mean "
      "divides by length + 1e-8 (the YouTube-DNN recipe, DeepCTR's SequencePoolingLayer).";
  info.args = {enum_arg("mode", "mean", {"mean", "sum", "max"}, "how the steps are combined")};
  info.max_inputs = 2;
  info.create = [](const std::string& name, const Args& args) -> std::unique_ptr<Layer> {
    const std::string& mode = args.string("mode");
    const auto m = mode == "sum"   ? SequencePooling::Mode::Sum
                   : mode == "max" ? SequencePooling::Mode::Max
                                   : SequencePooling::Mode::Mean;
    return std::make_unique<SequencePooling>(name, "SequencePooling", m, false);
  };
  return info;
}

}  // namespace yamlnet
