// A training step after the first allocates nothing: every buffer (activations, gradients, masks, loss and
// metric scratch, optimizer state, Eigen temporaries) is owned by the model, its layers, the losses and the
// optimizer, and reused. Counted by interposing glibc's malloc, calloc and realloc, through which operator
// new, std::vector and Eigen's aligned allocator all go. Skipped under AddressSanitizer, which owns malloc.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/core/threads.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/train/trainer.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define YAMLNET_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define YAMLNET_COUNT_MALLOC 0
#endif
#endif
#ifndef YAMLNET_COUNT_MALLOC
#define YAMLNET_COUNT_MALLOC 1
#endif

using namespace yamlnet;

#if YAMLNET_COUNT_MALLOC

namespace {
// The MLP's batch size: its first product (32 x 784 x 128) is then large enough to be split over two threads.
constexpr Index kBatch = 32;
// The output layers have the workloads' 10 units. OpenBLAS 0.3.21's small-matrix kernel for AVX-512 CPUs
// (Zen 4, Cooper Lake and later) mallocs a copy of the kernel on every call for a layer of 2-8 units over 32
// inputs or more (its sgemm_small_kernel_nn): outside our code, and cheaper than every way around it measured
// (Eigen's own product of 32 x 128 x 3: 9.1 us against 0.5 us; a column-major result and a copy: 1.4 us).
// A layer of one unit (lstm_embed's, over 64 inputs) is a matrix-vector product and allocates nothing.
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
std::atomic<size_t> largest_request{0};
void count(size_t bytes = 0) {
  if (!counting.load(std::memory_order_relaxed)) return;
  allocations.fetch_add(1, std::memory_order_relaxed);
  size_t seen = largest_request.load(std::memory_order_relaxed);
  while (bytes > seen && !largest_request.compare_exchange_weak(seen, bytes)) {
  }
}
}  // namespace

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* block, size_t size);

void* malloc(size_t size) {
  count(size);
  return __libc_malloc(size);
}
void* calloc(size_t count_, size_t size) {
  count(count_ * size);
  return __libc_calloc(count_, size);
}
void* realloc(void* block, size_t size) {
  count(size);
  return __libc_realloc(block, size);
}
}

namespace {

struct Workload {
  std::string name;
  std::string config;  // inputs, layers, outputs and compile; ids below 10
};

// Small versions of the benchmark workloads: the same layers, losses and metrics.
const std::vector<Workload>& workloads() {
  static const std::vector<Workload> all{
      // Fashion-MNIST's sizes: products large enough for the BLAS path (and its blocking buffers).
      {"mlp", R"(inputs: {x: {shape: [28, 28]}}
layers:
  - {type: Flatten}
  - {type: Dense, units: 128, activation: relu}
  - {type: Dropout, rate: 0.2}
  - {type: Dense, units: 10, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
)"},
      {"neumf", R"(inputs: {user: {shape: [1], dtype: int32}, item: {shape: [1], dtype: int32}}
layers:
  - {name: gu, type: Embedding, inputs: user, input_dim: 10, output_dim: 4}
  - {name: gi, type: Embedding, inputs: item, input_dim: 10, output_dim: 4}
  - {name: gmf, type: Multiply, inputs: [gu, gi]}
  - {name: mu, type: Embedding, inputs: user, input_dim: 10, output_dim: 4}
  - {name: mi, type: Embedding, inputs: item, input_dim: 10, output_dim: 4}
  - {name: mlp_in, type: Concatenate, inputs: [mu, mi]}
  - {name: mlp, type: Dense, units: 4, activation: relu}
  - {name: both, type: Concatenate, inputs: [gmf, mlp]}
  - {name: flat, type: Flatten}
  - {name: score, type: Dense, units: 1, activation: sigmoid}
compile: {optimizer: adam, loss: binary_crossentropy, metrics: [accuracy, auc]}
)"},
      {"lstm", R"(inputs: {x: {shape: [28, 28]}}
layers:
  - {type: LSTM, units: 128}
  - {type: Dense, units: 10, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
)"},
      {"lstm_embed", R"(inputs: {ids: {shape: [6], dtype: int32}}
layers:
  - {type: Embedding, input_dim: 10, output_dim: 4, mask_zero: true}
  - {type: LSTM, units: 64}
  - {type: Dense, units: 1, activation: sigmoid}
compile: {optimizer: adam, loss: binary_crossentropy, metrics: [accuracy]}
)"},
      // 20 units: d h = d z U^T as a plain product (through U's transposed copy) would have a result of 20
      // columns, 4 past a multiple of 16, where OpenBLAS's small kernel allocates; the layer takes U as it
      // is.
      {"lstm_20_units", R"(inputs: {x: {shape: [6, 5]}}
layers:
  - {type: LSTM, units: 20}
  - {type: Dense, units: 10, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
)"},
      {"gru_sequences", R"(inputs: {ids: {shape: [6], dtype: int32}}
layers:
  - {type: Embedding, input_dim: 10, output_dim: 4, mask_zero: true}
  - {type: GRU, units: 3, return_sequences: true, dropout: 0.2, recurrent_dropout: 0.2}
  - {type: GlobalMaxPooling1D}
  - {type: Dense, units: 1, activation: sigmoid}
compile: {optimizer: sgd, loss: binary_crossentropy}
)"},
      {"youtube_dnn", R"(inputs: {history: {shape: [6], dtype: int32}, user: {shape: [1], dtype: int32}}
layers:
  - {name: items, type: Embedding, inputs: history, input_dim: 10, output_dim: 4, mask_zero: true}
  - {name: watched, type: GlobalAveragePooling1D}
  - {name: users, type: Embedding, inputs: user, input_dim: 10, output_dim: 4}
  - {name: user_id, type: Flatten}
  - {name: features, type: Concatenate, inputs: [watched, user_id]}
  - {name: hidden, type: Dense, units: 8, activation: relu}
  - {name: user_vector, type: Dense, units: 4}
outputs: [user_vector]
compile:
  optimizer: adam
  loss: {type: sampled_softmax, item_embedding: items, num_sampled: 3, sampler: uniform}
)"},
      {"every_other_layer", R"(inputs: {x: {shape: [4, 3]}, v: {shape: [6]}}
layers:
  - {name: masked, type: Masking, inputs: x, mask_value: 0}
  - {name: bi, type: Bidirectional, layer: {type: GRU, units: 2, return_sequences: true}}
  - {name: td, type: TimeDistributed, layer: {type: Dense, units: 3}}
  - {name: rnn, type: SimpleRNN, inputs: td, units: 3, go_backwards: true}
  - {name: pooled, type: GlobalMaxPooling1D, inputs: td}
  - {name: unit, type: UnitNormalization, inputs: v}
  - {name: scaled, type: Rescaling, scale: 0.5}
  - {name: reshaped, type: Reshape, target_shape: [2, 3]}
  - {name: repeated, type: RepeatVector, inputs: rnn, n: 2}
  - {name: dot, type: Dot, inputs: [reshaped, repeated], axes: -1, normalize: true}
  - {name: flat, type: Flatten}
  - {name: difference, type: Subtract, inputs: [pooled, rnn]}
  - {name: mean, type: Average, inputs: [pooled, rnn, difference]}
  - {name: larger, type: Maximum, inputs: [mean, difference]}
  - {name: smaller, type: Minimum, inputs: [larger, pooled]}
  - {name: sum, type: Add, inputs: [smaller, rnn]}
  - {name: both, type: Concatenate, inputs: [sum, flat]}
  - {name: act, type: Activation, activation: tanh}
  - {name: out, type: Dense, units: 1, activation: sigmoid}
compile: {optimizer: rmsprop, loss: binary_crossentropy, metrics: [accuracy]}
)"},
  };
  return all;
}

// kBatch rows: ids in 0..9 (some padding), values in [-1, 1), labels that fit each loss.
Dataset batch_for(Model& model) {
  Random rng(7);
  Dataset data;
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    Tensor t(with_batch(kBatch, model.input_node(i).output_shapes[0]));
    const bool ids = model.input_id_limit(i).has_value();
    for (Real& v : t.data) v = ids ? static_cast<Real>(rng.below(10)) : static_cast<Real>(rng.uniform(-1, 1));
    if (ids && t.last_dim() > 1) t.data[0] = 1;  // no row is all padding
    data.inputs.push_back(DataArray{"in", t, "mem", {}});
  }
  for (size_t k = 0; k < model.num_outputs(); ++k) {
    Tensor y(with_batch(kBatch, {1}));
    for (Real& v : y.data) v = static_cast<Real>(1 + rng.below(2));  // 1 or 2: a class, a 0/1 after clamping
    if (model.output_shape(k).back() == 1)
      for (Real& v : y.data) v = v - 1;
    data.targets.push_back(DataArray{"y", y, "mem", {}});
  }
  return data;
}

}  // namespace

TEST_CASE("a training step after the first allocates nothing") {
  // On one thread and on two: on two, the MLP's and the LSTM's larger products are split over OpenMP's pool,
  // whose team is made once; each piece is a single-threaded BLAS call (OpenBLAS's own threads malloc on
  // every call).
  for (const int threads : {1, 2})
    for (const auto& w : workloads()) {
      use_threads(threads);
      CAPTURE(threads);
      CAPTURE(w.name);
      Model model(parse_model_spec("name: " + w.name + "\nseed: 1\n" + w.config, w.name + ".yaml"));
      model.initialize(1);
      Trainer trainer(model, model.spec().compile, 1);
      const Dataset data = batch_for(model);
      trainer.observe_training_targets(data);
      // Warm-up: the first steps size every buffer (two, so that both halves of a step pattern are seen).
      trainer.train_on_batch(data, 0, kBatch);
      trainer.train_on_batch(data, 0, kBatch);
      allocations = 0;
      counting = true;
      for (int s = 0; s < 3; ++s) trainer.train_on_batch(data, 0, kBatch);
      counting = false;
      CHECK(allocations.load() == 0);
    }
  use_threads(1);
}

TEST_CASE("a layer whose weights do not fit together allocates none of them") {
  // LSTM(200000) over 4 features: its kernel (4, 800000) takes 25.6 MB and would fit; its recurrent kernel
  // (200000, 800000) would not. The check sees both before the first is allocated.
  const ModelSpec spec = parse_model_spec(
      "name: big\nmax_memory: 1GB\ninputs: {x: {shape: [3, 4]}}\nlayers: [{name: rnn, type: LSTM, units: "
      "200000}]\n",
      "big.yaml");
  largest_request = 0;
  counting = true;
  std::string message;
  try {
    Model model(spec);
  } catch (const ConfigError& e) {
    message = e.what();
  }
  counting = false;
  CHECK(message.find("weight 'recurrent_kernel' (200000, 800000) would take") != std::string::npos);
  CHECK(largest_request.load() < (1u << 20));
}

#endif
