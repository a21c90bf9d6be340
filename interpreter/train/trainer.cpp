#include "interpreter/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

#include "interpreter/core/threads.hpp"
#include "interpreter/spec/diagnostics.hpp"

namespace yamlnet {

std::optional<double> find_log(const Logs& logs, const std::string& key) {
  for (const auto& [name, value] : logs)
    if (name == key) return value;
  return std::nullopt;
}

namespace {

// Rows from which a gather is split by columns: each thread's piece of a row is then at least 32 values (two
// cache lines).
constexpr Index kWideRow = 64;

void copy_rows(const Tensor& src, const std::vector<Index>& order, Index begin, Index end, Tensor& dst) {
  const Index row = src.row_size();
  dst.resize_rows(src.shape, end - begin);
  const Real* from = src.ptr();
  Real* to = dst.ptr();
  // A gather of scattered rows waits on memory: two cores keep twice the cache misses in flight. Wide rows
  // (an image) are split by columns, as the first Dense layer's products will read them (split_columns);
  // narrow ones by rows.
  if (row >= kWideRow) {
    split_columns(end - begin, row, [&](Index col, Index cols) {
      for (Index r = begin; r < end; ++r)
        std::copy_n(from + order[r] * row + col, cols, to + (r - begin) * row + col);
    });
    return;
  }
  split_rows(end - begin, row, [&](Index first, Index count) {
    // One-value rows (ids, labels) assigned: a memmove call per value was 10% of NeuMF's training step.
    if (row == 1)
      for (Index r = begin + first; r < begin + first + count; ++r) to[r - begin] = from[order[r]];
    else
      for (Index r = begin + first; r < begin + first + count; ++r)
        std::copy_n(from + order[r] * row, row, to + (r - begin) * row);
  });
}

}  // namespace

Trainer::Trainer(Model& model, const Args& compile, uint64_t seed)
    : model_(model), seed_(seed), compiled_(model, compile) {
  targets_.resize(model.num_outputs());
  output_losses_.assign(model.num_outputs(), 0.0);
  output_loss_sums_.assign(model.num_outputs(), 0.0);
  loss_grads_.resize(model.num_outputs());
  trainable_ = model.trainable_parameters();
}

void Trainer::observe_training_targets(const Dataset& train) {
  for (size_t k = 0; k < compiled_.losses.size() && k < train.targets.size(); ++k)
    compiled_.losses[k]->observe_targets(train.targets[k].values);
}

void Trainer::load_batch(const Dataset& data, const std::vector<Index>& order, Index begin, Index end) {
  for (size_t i = 0; i < data.inputs.size(); ++i)
    copy_rows(data.inputs[i].values, order, begin, end, model_.input_buffer(i));
  for (size_t k = 0; k < data.targets.size(); ++k)
    copy_rows(data.targets[k].values, order, begin, end, targets_[k]);
}

double Trainer::batch_loss(Random* training_rng) {
  double total = 0;
  for (size_t k = 0; k < model_.num_outputs(); ++k) {
    const Tensor& in = compiled_.logits_of[k] ? *compiled_.logits_of[k]->logits() : model_.output(k);
    output_losses_[k] =
        compiled_.losses[k]->compute(in, targets_[k], loss_grads_[k], sequence_mask(k), training_rng);
    total += output_losses_[k];
    if (training_rng) model_.output_grad(k).array() += loss_grads_[k].array();
  }
  return total + model_.weight_penalty() + model_.activity_loss();
}

const Tensor* Trainer::sequence_mask(size_t k) const {
  // A mask on a per-step output (one entry per row of predictions) weights the loss and metrics by step.
  const Tensor* mask = model_.output_mask(k);
  const Tensor& y = model_.output(k);
  return mask && mask->size() * y.last_dim() == y.size() ? mask : nullptr;
}

void Trainer::accumulate_output_losses(Index rows) {
  for (size_t k = 0; k < output_losses_.size(); ++k)
    output_loss_sums_[k] += output_losses_[k] * static_cast<double>(rows);
}

void Trainer::fill_logs(Logs& logs, double loss_sum, Index seen, bool running) const {
  const double count = seen ? static_cast<double>(seen) : 1.0;
  size_t i = 0;
  logs[i++].second = loss_sum / count;
  if (model_.num_outputs() > 1)
    for (double sum : output_loss_sums_) logs[i++].second = sum / count;
  for (const auto& ms : compiled_.metrics)
    for (const auto& m : ms) {
      if (running && !m->cheap_to_read()) {
        ++i;  // shown at the end of the epoch
        continue;
      }
      logs[i++].second = m->result();
    }
}

void Trainer::update_metrics() {
  for (size_t k = 0; k < compiled_.metrics.size(); ++k)
    for (auto& m : compiled_.metrics[k]) m->update(model_.output(k), targets_[k], sequence_mask(k));
}

void Trainer::reset_metrics() {
  for (auto& ms : compiled_.metrics)
    for (auto& m : ms) m->reset();
}

double Trainer::step(Random& rng) {
  model_.forward(RunContext{Mode::Training, &rng});
  model_.zero_grads();
  const double loss = batch_loss(&rng);
  update_metrics();
  model_.backward();
  compiled_.optimizer->apply(trainable_);
  return loss;
}

double Trainer::train_on_batch(const Dataset& data, Index begin, Index end) {
  if (static_cast<Index>(identity_order_.size()) < data.size()) {
    identity_order_.resize(static_cast<size_t>(data.size()));
    std::iota(identity_order_.begin(), identity_order_.end(), Index(0));
  }
  load_batch(data, identity_order_, begin, end);
  Random rng(seed_ ^ static_cast<uint64_t>(compiled_.optimizer->iterations()));
  reset_metrics();
  return step(rng);
}

std::vector<EpochRecord> Trainer::fit(const Dataset& fixed_train, const Dataset* validation,
                                      const FitOptions& options) {
  std::vector<EpochRecord> history;
  const DataSource* source =
      options.epoch_source && options.epoch_source->varies_per_epoch() ? options.epoch_source : nullptr;
  if (source) source->epoch_dataset(options.initial_epoch, epoch_data_);
  const Dataset* current = source ? &epoch_data_ : &fixed_train;
  Index n = current->size();
  if (n == 0) throw TrainingError("the training data is empty");
  if (const auto fixed = model_.fixed_batch_size(); fixed && *fixed != options.batch_size)
    throw TrainingError("the model's input has batch_size " + std::to_string(*fixed) +
                        " but fit.batch_size is " + std::to_string(options.batch_size));
  std::vector<Index> order(static_cast<size_t>(n));
  Logs running;
  for (const auto& name : log_names(false)) running.emplace_back(name, 0.0);
  for (int epoch = options.initial_epoch; epoch < options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    if (source && epoch != options.initial_epoch) source->epoch_dataset(epoch, epoch_data_);
    const Dataset& train = *current;
    n = train.size();
    order.resize(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), Index(0));
    const Index batches = (n + options.batch_size - 1) / options.batch_size;
    const Index steps = options.steps_per_epoch ? std::min(*options.steps_per_epoch, batches) : batches;
    // Each epoch's order and dropout draws come from the seed and the epoch number alone, so a run
    // resumed at epoch k sees exactly what an uninterrupted run would.
    Random epoch_rng = Random(seed_).split(static_cast<uint64_t>(epoch) + 1);
    if (options.shuffle)
      for (Index i = n - 1; i > 0; --i) std::swap(order[i], order[epoch_rng.below(i + 1)]);
    if (options.reset_states_each_epoch) model_.reset_states();
    for (Callback* c : options.callbacks) c->on_epoch_begin(epoch, options.epochs, static_cast<long>(steps));
    reset_metrics();
    double loss_sum = 0;
    Index seen = 0;
    std::fill(output_loss_sums_.begin(), output_loss_sums_.end(), 0.0);
    for (Index s = 0; s < steps; ++s) {
      const Index begin = s * options.batch_size, end = std::min(n, begin + options.batch_size);
      load_batch(train, order, begin, end);
      const double loss = step(epoch_rng);
      if (!std::isfinite(loss)) {
        // Keras's TerminateOnNaN, always on: stop at the step, keep every file as it was.
        throw NonFiniteLoss("the loss became " + std::to_string(loss) + " at epoch " +
                            std::to_string(epoch + 1) + ", step " + std::to_string(s + 1) +
                            "; training stopped, no weights written (lower the learning rate?).");
      }
      loss_sum += loss * static_cast<double>(end - begin);
      accumulate_output_losses(end - begin);
      seen += end - begin;
      if (!options.callbacks.empty()) {
        fill_logs(running, loss_sum, seen, true);
        for (Callback* c : options.callbacks) c->on_batch_end(static_cast<long>(s + 1), running);
      }
    }
    EpochRecord record;
    record.epoch = epoch;
    record.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record.train_samples = seen;
    record.logs = running;
    fill_logs(record.logs, loss_sum, seen);
    if (validation) {
      const Logs val = evaluate(*validation, options.batch_size);
      for (const auto& [name, value] : val) record.logs.emplace_back("val_" + name, value);
    }
    // The rate of the epoch's last step, when it can change (Keras 3's ReduceLROnPlateau logs it too).
    if (compiled_.optimizer->rate_varies())
      record.logs.emplace_back("learning_rate", compiled_.optimizer->learning_rate());
    EpochEnd end{epoch, options.epochs, record.logs,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
    for (Callback* c : options.callbacks) c->on_epoch_end(end);
    history.push_back(record);
    if (end.stop) break;
  }
  // Keras: the weights take the optimizer's moving averages (use_ema) before on_train_end (so that
  // early stopping's restore_best_weights still wins).
  compiled_.optimizer->finish(trainable_);
  for (Callback* c : options.callbacks) c->on_train_end();
  return history;
}

Logs Trainer::evaluate(const Dataset& data, Index batch_size) {
  const Index n = data.size();
  if (static_cast<Index>(identity_order_.size()) < n) {
    identity_order_.resize(static_cast<size_t>(n));
    std::iota(identity_order_.begin(), identity_order_.end(), Index(0));
  }
  reset_metrics();
  std::fill(output_loss_sums_.begin(), output_loss_sums_.end(), 0.0);
  double loss_sum = 0;
  for (Index begin = 0; begin < n; begin += batch_size) {
    const Index end = std::min(n, begin + batch_size);
    load_batch(data, identity_order_, begin, end);
    model_.forward(RunContext{Mode::Inference, nullptr});
    loss_sum += batch_loss(nullptr) * static_cast<double>(end - begin);
    accumulate_output_losses(end - begin);
    update_metrics();
  }
  Logs logs;
  for (const auto& name : log_names(false)) logs.emplace_back(name, 0.0);
  fill_logs(logs, loss_sum, n);
  return logs;
}

std::vector<Tensor> predict_layers(Model& model, const Dataset& data, const std::vector<OutputRef>& layers,
                                   Index batch_size) {
  const Index n = data.size();
  std::vector<Tensor> outputs(layers.size());
  for (size_t k = 0; k < layers.size(); ++k)
    outputs[k].resize(with_batch(n, model.nodes()[layers[k].node].output_shapes[layers[k].index]));
  for (Index begin = 0; begin < n; begin += batch_size) {
    const Index end = std::min(n, begin + batch_size);
    for (size_t i = 0; i < data.inputs.size(); ++i) {
      const Tensor& src = data.inputs[i].values;
      Tensor& dst = model.input_buffer(i);
      Shape shape = src.shape;
      shape[0] = end - begin;
      dst.resize(std::move(shape));
      std::copy(src.data.begin() + begin * src.row_size(), src.data.begin() + end * src.row_size(),
                dst.data.begin());
    }
    model.forward(RunContext{Mode::Inference, nullptr});
    for (size_t k = 0; k < outputs.size(); ++k) {
      const Tensor& y = model.layer_output(layers[k].node, layers[k].index);
      std::copy(y.data.begin(), y.data.end(), outputs[k].data.begin() + begin * y.row_size());
    }
  }
  return outputs;
}

std::vector<Tensor> predict_outputs(Model& model, const Dataset& data, Index batch_size) {
  std::vector<OutputRef> outputs;
  for (size_t k = 0; k < model.num_outputs(); ++k) outputs.push_back(model.output_ref(k));
  return predict_layers(model, data, outputs, batch_size);
}

}  // namespace yamlnet
