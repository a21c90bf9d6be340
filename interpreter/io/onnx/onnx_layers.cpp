#include "interpreter/io/onnx/onnx_layers.hpp"

#include <cmath>
#include <map>

#include "layers/embedding/embedding.hpp"
#include "layers/functional/activations.hpp"
#include "layers/recurrent/bidirectional.hpp"
#include "layers/recurrent/gru.hpp"

namespace yamlnet {

namespace {

using Dims = std::vector<std::int64_t>;

const Parameter& weight(const Layer& layer, const std::string& name) {
  for (const auto& p : layer.params())
    if (p.name == name) return p;
  throw OnnxUnsupported{"it has no weight '" + name + "'"};
}

std::vector<float> values_of(const Parameter& p) {
  return {p.value.data.begin(), p.value.data.end()};
}
Dims dims_of(const Shape& shape) {
  return {shape.begin(), shape.end()};
}

// Keras's activation `a` applied to `x`, exactly.
std::string activation(OnnxGraph& g, const std::string& x, const Activation& a, const std::string& stem) {
  switch (a.kind()) {
    case ActivationKind::Linear:
      return x;
    case ActivationKind::Relu:
      if (a.threshold() != 0) throw OnnxUnsupported{"relu with a threshold has no ONNX form here"};
      if (a.alpha() != 0 && a.max_value()) throw OnnxUnsupported{"relu with both alpha and max_value"};
      if (a.alpha() != 0) return g.op("LeakyRelu", {x}, stem, {{"alpha", static_cast<float>(a.alpha())}});
      if (a.max_value())
        return g.op("Clip", {x, g.scalar(stem + "/min", 0), g.scalar(stem + "/max", float(*a.max_value()))},
                    stem);
      return g.op("Relu", {x}, stem);
    case ActivationKind::Sigmoid:
      return g.op("Sigmoid", {x}, stem);
    case ActivationKind::Tanh:
      return g.op("Tanh", {x}, stem);
    case ActivationKind::Softmax:
      return g.op("Softmax", {x}, stem, {{"axis", std::int64_t(-1)}});
    case ActivationKind::Elu:
      return g.op("Elu", {x}, stem, {{"alpha", static_cast<float>(a.alpha())}});
    case ActivationKind::Selu:
      // Klambauer et al.'s constants, as Keras writes them.
      return g.op("Selu", {x}, stem, {{"alpha", 1.6732632423543772f}, {"gamma", 1.0507009873554805f}});
    case ActivationKind::Softplus:
      return g.op("Softplus", {x}, stem);
    case ActivationKind::Softsign:
      return g.op("Softsign", {x}, stem);
    case ActivationKind::HardSigmoid:
      return g.op("HardSigmoid", {x}, stem, {{"alpha", 0.2f}, {"beta", 0.5f}});
    case ActivationKind::HardSigmoidKeras3:
      return g.op("HardSigmoid", {x}, stem, {{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}});
    case ActivationKind::Exponential:
      return g.op("Exp", {x}, stem);
    case ActivationKind::Swish:
      return g.op("Mul", {x, g.op("Sigmoid", {x}, stem)}, stem);
    case ActivationKind::Gelu: {
      const std::string half_x = g.op("Mul", {x, g.scalar(stem + "/half", 0.5f)}, stem);
      std::string inner;
      if (a.approximate()) {  // tanh(sqrt(2/pi) (x + 0.044715 x^3))
        const std::string cube = g.op("Mul", {x, g.op("Mul", {x, x}, stem)}, stem);
        const std::string sum =
            g.op("Add", {x, g.op("Mul", {cube, g.scalar(stem + "/c", 0.044715f)}, stem)}, stem);
        inner = g.op("Tanh", {g.op("Mul", {sum, g.scalar(stem + "/k", 0.7978845608028654f)}, stem)}, stem);
      } else {  // erf(x / sqrt(2))
        inner = g.op("Erf", {g.op("Mul", {x, g.scalar(stem + "/k", 0.7071067811865476f)}, stem)}, stem);
      }
      return g.op("Mul", {half_x, g.op("Add", {inner, g.scalar(stem + "/one", 1.0f)}, stem)}, stem);
    }
  }
  throw OnnxUnsupported{"activation '" + a.name() + "'"};
}

// The activation as ONNX's recurrent operators name it, with its alpha and beta.
struct RecurrentActivation {
  std::string name;
  float alpha = 0, beta = 0;
};

RecurrentActivation recurrent_activation(const Activation& a) {
  switch (a.kind()) {
    case ActivationKind::Sigmoid:
      return {"Sigmoid"};
    case ActivationKind::Tanh:
      return {"Tanh"};
    case ActivationKind::Relu:
      if (a.alpha() == 0 && !a.max_value() && a.threshold() == 0) return {"Relu"};
      break;
    case ActivationKind::HardSigmoid:
      return {"HardSigmoid", 0.2f, 0.5f};
    case ActivationKind::HardSigmoidKeras3:
      return {"HardSigmoid", 1.0f / 6.0f, 0.5f};
    case ActivationKind::Softsign:
      return {"Softsign"};
    case ActivationKind::Softplus:
      return {"Softplus"};
    case ActivationKind::Linear:
      return {"Affine", 1.0f, 0.0f};
    default:
      break;
  }
  throw OnnxUnsupported{"its activation '" + a.name() + "' has no form in ONNX's recurrent operators"};
}

std::vector<OnnxValue> emit_dense(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  const Layer& layer = *node.layer;
  const std::string& name = layer.name();
  const Parameter& kernel = weight(layer, "kernel");
  std::string y = g.op(
      "MatMul", {in[0].name, g.floats(name + "/kernel", dims_of(kernel.shape), values_of(kernel))}, name);
  if (node.decl->args.boolean("use_bias")) {
    const Parameter& bias = weight(layer, "bias");
    y = g.op("Add", {y, g.floats(name + "/bias", dims_of(bias.shape), values_of(bias))}, name);
  }
  const Args& args = node.decl->args;
  return {{activation(g, y, Activation::from_value(args.get("activation"), args.keras_version), name),
           in[0].mask}};
}

std::vector<OnnxValue> emit_activation(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  const Args& args = node.decl->args;
  return {{activation(g, in[0].name, Activation::from_value(args.get("activation"), args.keras_version),
                      node.layer->name()),
           in[0].mask}};
}

std::vector<OnnxValue> emit_identity(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  return {{g.op("Identity", {in[0].name}, node.layer->name()), in[0].mask, in[0].ids}};
}

std::vector<OnnxValue> emit_embedding(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  const auto& layer = dynamic_cast<const Embedding&>(*node.layer);
  const std::string& name = layer.name();
  std::string ids = in[0].name;
  if (!in[0].ids) ids = g.op("Cast", {ids}, name, {{"to", std::int64_t(onnx::TensorProto::INT32)}});
  const Parameter& table = weight(layer, "embeddings");
  OnnxValue out{g.op("Gather", {g.floats(name + "/embeddings", dims_of(table.shape), values_of(table)), ids},
                     name, {{"axis", std::int64_t(0)}}),
                ""};
  if (layer.mask_zero()) {
    const std::string is_zero = g.op("Equal", {ids, g.int32_scalar(name + "/zero", 0)}, name);
    out.mask =
        g.op("Cast", {g.op("Not", {is_zero}, name)}, name, {{"to", std::int64_t(onnx::TensorProto::FLOAT)}});
  }
  return {out};
}

std::vector<OnnxValue> emit_flatten(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  return {{g.op("Flatten", {in[0].name}, node.layer->name(), {{"axis", std::int64_t(1)}}), ""}};
}

std::vector<OnnxValue> emit_reshape(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  Dims target = {0};  // 0: the batch, copied from the input
  for (auto d : node.output_shapes[0]) target.push_back(d);
  const std::string& name = node.layer->name();
  return {{g.op("Reshape", {in[0].name, g.ints(name + "/shape", target)}, name), ""}};
}

std::vector<OnnxValue> emit_concatenate(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  std::vector<std::string> names;
  for (const auto& v : in) names.push_back(v.name);
  return {{g.op("Concat", names, node.layer->name(), {{"axis", node.decl->args.integer("axis")}}), ""}};
}

std::vector<OnnxValue> emit_merge(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  static const std::map<std::string, std::string> ops = {{"Add", "Sum"},      {"Subtract", "Sub"},
                                                         {"Multiply", "Mul"}, {"Average", "Mean"},
                                                         {"Maximum", "Max"},  {"Minimum", "Min"}};
  const std::string& type = node.layer->type();
  const std::string& name = node.layer->name();
  std::string y = in[0].name;
  if (type == "Multiply") {  // ONNX's Mul takes two inputs
    for (size_t i = 1; i < in.size(); ++i) y = g.op("Mul", {y, in[i].name}, name);
  } else {
    std::vector<std::string> names;
    for (const auto& v : in) names.push_back(v.name);
    y = g.op(ops.at(type), names, name);
  }
  return {{y, ""}};
}

std::vector<OnnxValue> emit_sequence_pooling(OnnxGraph& g, const Node& node,
                                             const std::vector<OnnxValue>& in) {
  const std::string& name = node.layer->name();
  const bool average = node.layer->type() == "GlobalAveragePooling1D";
  const std::int64_t keepdims = node.decl->args.boolean("keepdims") ? 1 : 0;
  if (in[0].mask.empty()) {
    if (average)
      return {{g.op("ReduceMean", {in[0].name}, name, {{"axes", Dims{1}}, {"keepdims", keepdims}}), ""}};
    return {{g.op("ReduceMax", {in[0].name}, name, {{"axes", Dims{1}}, {"keepdims", keepdims}}), ""}};
  }
  if (!average) throw OnnxUnsupported{"a masked max has no exact ONNX form here"};
  // Keras: the sum over valid steps divided by their number.
  const std::string axes = g.ints(name + "/axes", {1});
  const std::string mask = g.op("Unsqueeze", {in[0].mask, g.ints(name + "/feature_axis", {2})}, name);
  const std::string sum =
      g.op("ReduceSum", {g.op("Mul", {in[0].name, mask}, name), axes}, name, {{"keepdims", keepdims}});
  const std::string count = g.op("ReduceSum", {mask, axes}, name, {{"keepdims", keepdims}});
  return {{g.op("Div", {sum, count}, name), ""}};
}

// --- recurrent layers ---

// Keras's gate blocks in the order ONNX's operator wants them: LSTM i,f,c,o -> i,o,f,c; GRU z,r,h as it is.
std::vector<int> onnx_gate_order(const RecurrentLayer& layer) {
  if (layer.type() == "LSTM") return {0, 3, 1, 2};
  if (layer.type() == "GRU") return {0, 1, 2};
  return {0};
}

// A [in, G*u] Keras kernel as ONNX's [G*u, in], gate blocks reordered; appended to `out`.
void append_transposed(const Parameter& kernel, const std::vector<int>& order, Index units,
                       std::vector<float>& out) {
  const Index in = kernel.shape[0], width = kernel.shape[1];
  for (int kb : order)
    for (Index j = 0; j < units; ++j)
      for (Index i = 0; i < in; ++i)
        out.push_back(kernel.value.data[static_cast<size_t>(i * width + kb * units + j)]);
}

// ONNX's B, [Wb, Rb], for one direction; appended to `out`.
void append_bias(const RecurrentLayer& layer, const std::vector<int>& order, std::vector<float>& out) {
  const Index units = layer.units();
  const Parameter& bias = weight(layer, "bias");
  const bool two_rows = bias.shape.size() == 2;  // GRU with reset_after: input and recurrent rows
  for (int row = 0; row < 2; ++row)
    for (int kb : order)
      for (Index j = 0; j < units; ++j) {
        const bool present = row == 0 || two_rows;
        const Index at = (two_rows ? row * bias.shape[1] : 0) + kb * units + j;
        out.push_back(present ? bias.value.data[static_cast<size_t>(at)] : 0.0f);
      }
}

void check_recurrent(const RecurrentLayer& layer) {
  if (layer.stateful())
    throw OnnxUnsupported{"stateful layers carry states between batches, which ONNX cannot"};
}

// The steps of `x` ([T, B, F], time-major) moved so that every row's valid steps come first: a row whose
// first step is masked (padding in front, as pad_sequences writes by default) is reversed twice, whole and
// then over its valid steps. Exact for masks whose valid steps are contiguous at either end of the sequence.
std::string front_aligned(OnnxGraph& g, const std::string& x, const std::string& mask,
                          const std::string& lengths, const std::string& stem, std::int64_t steps) {
  const std::string all =
      g.op("Expand", {g.ints(stem + "/steps", {steps}), g.op("Shape", {lengths}, stem)}, stem);
  const std::string reversed = g.op("ReverseSequence", {x, all}, stem,
                                    {{"batch_axis", std::int64_t(1)}, {"time_axis", std::int64_t(0)}});
  const std::string packed = g.op("ReverseSequence", {reversed, lengths}, stem,
                                  {{"batch_axis", std::int64_t(1)}, {"time_axis", std::int64_t(0)}});
  const std::string first =
      g.op("Gather", {mask, g.ints(stem + "/first", {0})}, stem, {{"axis", std::int64_t(1)}});
  const std::string keep = g.op("Cast", {g.op("Unsqueeze", {first, g.ints(stem + "/axes", {0})}, stem)}, stem,
                                {{"to", std::int64_t(onnx::TensorProto::BOOL)}});  // [1, B, 1]
  return g.op("Where", {keep, x, packed}, stem);
}

// LSTM, GRU or SimpleRNN (one or two directions) over in[0]. Returns Y [T, D, B, u], Y_h [D, B, u] and, for
// an LSTM, Y_c.
std::vector<std::string> recurrent_node(OnnxGraph& g, const std::vector<const RecurrentLayer*>& layers,
                                        const OnnxValue& in, const Shape& input_shape,
                                        const std::string& stem, bool reverse) {
  const RecurrentLayer& first = *layers[0];
  const std::vector<int> order = onnx_gate_order(first);
  const Index units = first.units(), gates = first.gates(), features = input_shape.back();
  const auto D = static_cast<std::int64_t>(layers.size());
  std::vector<float> W, R, B;
  for (const RecurrentLayer* layer : layers) {
    check_recurrent(*layer);
    append_transposed(weight(*layer, "kernel"), order, units, W);
    append_transposed(weight(*layer, "recurrent_kernel"), order, units, R);
    if (layer->use_bias()) append_bias(*layer, order, B);
  }
  std::string x = g.op("Transpose", {in.name}, stem, {{"perm", Dims{1, 0, 2}}});
  std::string lengths;
  if (!in.mask.empty()) {
    const std::string count =
        g.op("ReduceSum", {in.mask, g.ints(stem + "/time", {1})}, stem, {{"keepdims", std::int64_t(0)}});
    const std::string lengths64 =
        g.op("Cast", {count}, stem, {{"to", std::int64_t(onnx::TensorProto::INT64)}});
    x = front_aligned(g, x, in.mask, lengths64, stem, input_shape[0]);
    lengths = g.op("Cast", {count}, stem, {{"to", std::int64_t(onnx::TensorProto::INT32)}});
  }
  const std::string op = first.type() == "LSTM" ? "LSTM" : first.type() == "GRU" ? "GRU" : "RNN";
  std::vector<RecurrentActivation> acts;
  if (op != "RNN") acts.push_back(recurrent_activation(first.recurrent_activation()));
  acts.push_back(recurrent_activation(first.activation()));
  if (op == "LSTM") acts.push_back(recurrent_activation(first.activation()));
  // One list per direction, the forward one first. Alphas and betas are listed for the functions that take
  // them only, in order: ONNX Runtime consumes them so (a placeholder for Tanh gave the backward direction's
  // HardSigmoid the wrong slope, caught by tests/onnx).
  std::vector<std::string> names;
  std::vector<float> alphas, betas;
  for (std::int64_t d = 0; d < D; ++d)
    for (const auto& a : acts) {
      names.push_back(a.name);
      if (a.name == "HardSigmoid" || a.name == "Affine") {
        alphas.push_back(a.alpha);
        betas.push_back(a.beta);
      }
    }
  const bool parameters = !alphas.empty();
  std::vector<OnnxAttr> attrs = {{"hidden_size", std::int64_t(units)},
                                 {"direction", std::string(D == 2    ? "bidirectional"
                                                           : reverse ? "reverse"
                                                                     : "forward")},
                                 {"activations", names}};
  if (parameters) {
    attrs.push_back({"activation_alpha", alphas});
    attrs.push_back({"activation_beta", betas});
  }
  if (op == "GRU") {
    const auto* gru = dynamic_cast<const Gru*>(&first);
    attrs.push_back({"linear_before_reset", std::int64_t(gru && gru->reset_after() ? 1 : 0)});
  }
  const std::vector<std::string> inputs = {x, g.floats(stem + "/W", {D, gates * units, features}, W),
                                           g.floats(stem + "/R", {D, gates * units, units}, R),
                                           B.empty() ? "" : g.floats(stem + "/B", {D, 2 * gates * units}, B),
                                           lengths};
  return g.node(op, inputs, stem, attrs, op == "LSTM" ? 3 : 2);
}

// [T, D, B, u] -> [B, T, D*u] (directions concatenated); [D, B, u] -> [B, D*u].
std::string batch_first(OnnxGraph& g, const std::string& y, bool sequences, const std::string& stem) {
  if (sequences) {
    const std::string t = g.op("Transpose", {y}, stem, {{"perm", Dims{2, 0, 1, 3}}});
    return g.op("Reshape", {t, g.ints(stem + "/shape", {0, 0, -1})}, stem);
  }
  const std::string t = g.op("Transpose", {y}, stem, {{"perm", Dims{1, 0, 2}}});
  return g.op("Reshape", {t, g.ints(stem + "/shape", {0, -1})}, stem);
}

std::vector<OnnxValue> emit_recurrent(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  const auto& layer = dynamic_cast<const RecurrentLayer&>(*node.layer);
  const std::string& name = layer.name();
  if (!in[0].mask.empty() && layer.return_sequences())
    throw OnnxUnsupported{
        "with a mask, Keras repeats the last output at masked steps; ONNX writes zeros there"};
  if (layer.go_backwards() && layer.return_sequences())
    throw OnnxUnsupported{"go_backwards with return_sequences has no exact form here"};
  const auto out = recurrent_node(g, {&layer}, in[0], node.input_shapes[0], name, layer.go_backwards());
  std::vector<OnnxValue> values = {
      {batch_first(g, layer.return_sequences() ? out[0] : out[1], layer.return_sequences(), name),
       layer.return_sequences() ? in[0].mask : ""}};
  if (layer.return_state())
    for (size_t s = 1; s < out.size(); ++s)
      values.push_back({g.op("Squeeze", {out[s], g.ints(name + "/direction", {0})}, name), ""});
  return values;
}

std::vector<OnnxValue> emit_bidirectional(OnnxGraph& g, const Node& node, const std::vector<OnnxValue>& in) {
  const auto& layer = dynamic_cast<const Bidirectional&>(*node.layer);
  const std::string& name = layer.name();
  const RecurrentLayer& forward = layer.forward_layer();
  if (forward.return_state()) throw OnnxUnsupported{"return_state in a Bidirectional has no form here"};
  if (forward.go_backwards()) throw OnnxUnsupported{"a wrapped layer with go_backwards has no form here"};
  if (!in[0].mask.empty() && forward.return_sequences())
    throw OnnxUnsupported{"with a mask and return_sequences, Keras's masked steps differ from ONNX's"};
  const auto out =
      recurrent_node(g, {&forward, &layer.backward_layer()}, in[0], node.input_shapes[0], name, false);
  const bool sequences = forward.return_sequences();
  const std::string& mode = layer.merge_mode();
  if (mode == "concat") return {{batch_first(g, sequences ? out[0] : out[1], sequences, name), ""}};
  // sum, mul, ave: over the direction axis (1 of Y, 0 of Y_h), then batch first.
  const std::string y = sequences ? out[0] : out[1];
  const std::int64_t axis = sequences ? 1 : 0;
  const std::string forward_part =
      g.op("Gather", {y, g.ints(name + "/forward", {0})}, name, {{"axis", axis}});
  const std::string backward_part =
      g.op("Gather", {y, g.ints(name + "/backward", {1})}, name, {{"axis", axis}});
  std::string merged;
  if (mode == "sum")
    merged = g.op("Add", {forward_part, backward_part}, name);
  else if (mode == "mul")
    merged = g.op("Mul", {forward_part, backward_part}, name);
  else if (mode == "ave")
    merged =
        g.op("Mul", {g.op("Add", {forward_part, backward_part}, name), g.scalar(name + "/half", 0.5f)}, name);
  else
    throw OnnxUnsupported{"merge_mode '" + mode + "' has no form here"};
  return {{batch_first(g, merged, sequences, name), ""}};
}

const std::map<std::string, OnnxEmitter>& emitters() {
  static const std::map<std::string, OnnxEmitter> table = {
      {"Dense", emit_dense},
      {"Activation", emit_activation},
      {"Dropout", emit_identity},  // inference: the identity
      {"Embedding", emit_embedding},
      {"Flatten", emit_flatten},
      {"Reshape", emit_reshape},
      {"Concatenate", emit_concatenate},
      {"Add", emit_merge},
      {"Subtract", emit_merge},
      {"Multiply", emit_merge},
      {"Average", emit_merge},
      {"Maximum", emit_merge},
      {"Minimum", emit_merge},
      {"GlobalAveragePooling1D", emit_sequence_pooling},
      {"GlobalMaxPooling1D", emit_sequence_pooling},
      {"LSTM", emit_recurrent},
      {"GRU", emit_recurrent},
      {"SimpleRNN", emit_recurrent},
      {"Bidirectional", emit_bidirectional},
  };
  return table;
}

}  // namespace

OnnxEmitter onnx_emitter(const std::string& type) {
  const auto found = emitters().find(type);
  return found == emitters().end() ? nullptr : found->second;
}

std::vector<std::string> onnx_layer_types() {
  std::vector<std::string> out;
  for (const auto& [type, emitter] : emitters()) out.push_back(type);
  return out;
}

}  // namespace yamlnet
