#pragma once
// A model loaded from its config and weights, for prediction from C++ code: the model's inputs and outputs,
// and predict() over buffers the caller owns.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "yamlnet/errors.hpp"
#include "yamlnet/logs.hpp"

namespace yamlnet {

enum class ElementType { int32, float32 };

// One input or output of a model.
struct TensorInfo {
  std::string name;                 // the layer ("user", "lstm", or "lstm:1" for a layer's second output)
  std::vector<std::int64_t> shape;  // per sample, without the batch
  ElementType type = ElementType::float32;
  // int32 inputs read by an Embedding: ids must lie in [0, id_limit); 0 when nothing bounds them.
  std::int64_t id_limit = 0;
  std::int64_t sample_size() const;  // the product of shape
};

// The caller's buffer for one input: batch x sample_size values, row-major. Id inputs (int32) take int32
// values, feature inputs float values.
struct InputBuffer {
  std::string name;
  std::variant<std::span<const std::int32_t>, std::span<const float>> values;
};

// The caller's buffer for one output: batch x sample_size floats, row-major, overwritten by predict().
struct OutputBuffer {
  std::string name;
  std::span<float> values;
};

class LoadedModel {
 public:
  // Parses `config` (with `overrides`, written as `yamlnet train --set` takes them: "fit.epochs=3") and
  // loads `weights` (a yamlnet weights file). An empty `weights` gives the config's seeded initial weights.
  // No data file is read. Throws ConfigError (file:line:col of every problem) or WeightsError.
  static LoadedModel load(const std::string& config, const std::string& weights,
                          const std::vector<std::string>& overrides = {});

  const std::string& name() const;
  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;
  // Any layer's output as predict() can fetch it: "lstm", "lstm:1" (the user tower of a two-tower model).
  // Throws UsageError naming the layer when there is none.
  TensorInfo layer_output(const std::string& name) const;

  // Runs the model in inference mode over `batch` rows. Every input is given exactly once, by name; each
  // output buffer names one of the model's outputs or any layer (as layer_output() does). Buffers must hold
  // exactly batch x sample_size values. Ids outside [0, id_limit) are a DataError naming the input and row.
  // Safe to call from several threads at once: each call runs in a workspace of its own (one per concurrent
  // caller, kept for reuse), so concurrent callers hold one copy of the weights each.
  void predict(std::int64_t batch, std::span<const InputBuffer> inputs,
               std::span<const OutputBuffer> outputs) const;
  // The model's outputs, in order, each batch x sample_size values.
  std::vector<std::vector<float>> predict(std::int64_t batch, std::span<const InputBuffer> inputs) const;

  // Loss and metrics on a split (test, validation or train) of the data the config names, as
  // `yamlnet evaluate` computes them.
  Logs evaluate(const std::string& split = "test") const;

 private:
  struct State;
  explicit LoadedModel(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace yamlnet
