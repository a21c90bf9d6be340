#include "interpreter/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "interpreter/core/fault_injection.hpp"
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

void copy_rows(const Tensor& src, const RowOrder& order, Index begin, Index end, Tensor& dst) {
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
        std::copy_n(from + static_cast<Index>(order[r]) * row + col, cols, to + (r - begin) * row + col);
    });
    return;
  }
  split_rows(end - begin, row, [&](Index first, Index count) {
    // One-value rows (ids, labels) assigned: a memmove call per value was 10% of NeuMF's training step.
    if (row == 1)
      for (Index r = begin + first; r < begin + first + count; ++r) to[r - begin] = from[order[r]];
    else
      for (Index r = begin + first; r < begin + first + count; ++r)
        std::copy_n(from + static_cast<Index>(order[r]) * row, row, to + (r - begin) * row);
  });
}

// The gradients summed over the processes: every one but those of split tables, which the shard exchange
// already brought to the processes holding their rows.
std::vector<ParamSlot> whole_parameters(const std::vector<ParamSlot>& trainable) {
  std::vector<ParamSlot> whole;
  for (const ParamSlot& slot : trainable)
    if (!slot.param->shard) whole.push_back(slot);
  return whole;
}

}  // namespace

Trainer::Trainer(Model& model, const Args& compile, uint64_t seed)
    : model_(model),
      seed_(seed),
      compiled_(model, compile),
      gradient_sum_(whole_parameters(model.trainable_parameters())) {
  targets_.resize(model.num_outputs());
  output_losses_.assign(model.num_outputs(), 0.0);
  output_loss_sums_.assign(model.num_outputs(), 0.0);
  loss_grads_.resize(model.num_outputs());
  row_weights_.resize(model.num_outputs());
  metric_weights_.assign(model.num_outputs(), nullptr);
  loss_scale_.assign(model.num_outputs(), 1.0);
  trainable_ = model.trainable_parameters();
}

void Trainer::set_processes(Collective& processes) {
  processes_ = &processes;
  model_.set_processes(processes);
  if (model_.has_split_tables() && compiled_.optimizer->clips_by_norm())
    throw TrainingError(
        "compile.optimizer clips gradients by their norm, which needs every row of a table split by rows "
        "(shard: rows) in one process: use clipvalue, or no shard");
}

void Trainer::observe_training_targets(const Dataset& train, const DataSource* source) {
  if (source && source->makes_batches()) {
    const std::vector<double> counts = source->target_counts();
    if (!counts.empty() && !compiled_.losses.empty()) compiled_.losses[0]->observe_target_counts(counts);
    return;
  }
  for (size_t k = 0; k < compiled_.losses.size() && k < train.targets.size(); ++k)
    compiled_.losses[k]->observe_targets(train.targets[k].values);
}

namespace {

// Whether `rows` rows can be ordered by 32-bit positions (RowOrder); throws TrainingError otherwise.
void check_row_count(Index rows) {
  if (rows > static_cast<Index>(std::numeric_limits<uint32_t>::max()))
    throw TrainingError("the data has " + std::to_string(rows) +
                        " rows; training and evaluation take at most " +
                        std::to_string(std::numeric_limits<uint32_t>::max()) +
                        " (fewer negatives per positive, or split the log)");
}

}  // namespace

const RowOrder& Trainer::identity_order(Index rows) {
  check_row_count(rows);
  identity_order_.set_identity(rows);
  return identity_order_;
}

void Trainer::load_batch(const Dataset& data, const RowOrder& order, Index begin, Index end) {
  for (size_t i = 0; i < data.inputs.size(); ++i)
    copy_rows(data.inputs[i].values, order, begin, end, model_.input_buffer(i));
  for (size_t k = 0; k < data.targets.size(); ++k)
    copy_rows(data.targets[k].values, order, begin, end, targets_[k]);
  has_sample_weights_ = !data.sample_weights.values.empty();
  if (has_sample_weights_) copy_rows(data.sample_weights.values, order, begin, end, sample_weights_);
}

void Trainer::make_batch(const DataSource& source, int epoch, const RowOrder& order, Index begin, Index end) {
  if (batch_buffers_.inputs.empty()) {
    for (size_t i = 0; i < model_.num_inputs(); ++i) batch_buffers_.inputs.push_back(&model_.input_buffer(i));
    for (Tensor& t : targets_) batch_buffers_.targets.push_back(&t);
  }
  source.fill_rows(epoch, order, begin, end, batch_buffers_);
  has_sample_weights_ = false;
}

namespace {

// The class a target row stands for (class_weight's key): the label, the one-hot's index, or a binary
// target rounded, as Keras reads it.
Index target_class(const Real* target, Index target_width, Index output_width) {
  if (target_width > 1) return static_cast<Index>(std::max_element(target, target + target_width) - target);
  return static_cast<Index>(output_width > 1 ? target[0] : std::round(target[0]));
}

}  // namespace

const Tensor* Trainer::row_weights(size_t k, bool training) {
  const Tensor* mask = sequence_mask(k);
  loss_scale_[k] = 1.0;
  const bool by_class = training && !class_weights_.empty();
  if (!has_sample_weights_ && !by_class) return mask;
  const Tensor& y = model_.output(k);
  const Index width = y.last_dim(), rows = y.size() / width,
              per_sample = rows / std::max<Index>(1, y.batch());
  const Index target_width = targets_[k].size() / std::max<Index>(1, rows);
  Tensor& w = row_weights_[k];
  w.resize({rows, 1});
  double weight_sum = 0, count = 0;
  for (Index r = 0; r < rows; ++r) {
    const double m = mask ? static_cast<double>(mask->data[r]) : 1.0;
    double v = m;
    if (has_sample_weights_) v *= sample_weights_.data[r / per_sample];
    if (by_class) {
      const auto c =
          static_cast<size_t>(target_class(targets_[k].ptr() + r * target_width, target_width, width));
      if (c < class_weights_.size()) v *= class_weights_[c];
    }
    w.data[r] = static_cast<Real>(v);
    weight_sum += v;
    count += m;
  }
  // Keras divides the weighted sum by the rows (the unmasked steps), not by the weights' sum.
  loss_scale_[k] = count > 0 ? weight_sum / count : 0.0;
  return &w;
}

double Trainer::batch_loss(Random* training_rng) {
  double total = 0;
  for (size_t k = 0; k < model_.num_outputs(); ++k) {
    const Tensor& in = compiled_.logits_of[k] ? *compiled_.logits_of[k]->logits() : model_.output(k);
    const Tensor* weights = row_weights(k, training_rng != nullptr);
    metric_weights_[k] = weights;
    // The loss's gradient is scaled as its value is: by Keras's divisor, and by the output's loss weight; in
    // a data-parallel step also by this process's share of the batch, so that the sum over processes is the
    // gradient of the global batch's mean.
    const double gradient_scale = compiled_.loss_weights[k] * loss_scale_[k] * batch_share_;
    Loss& loss = *compiled_.losses[k];
    loss.set_parameter_gradient_scale(gradient_scale);
    output_losses_[k] =
        loss_scale_[k] * (training_rng ? loss.compute(in, targets_[k], loss_grads_[k], weights, training_rng)
                                       : loss.value(in, targets_[k], weights));
    const double share = compiled_.loss_weights[k];
    total += share * output_losses_[k];
    if (training_rng)
      model_.output_grad(k).array() += static_cast<Real>(gradient_scale) * loss_grads_[k].array();
  }
  return total + model_.activity_loss();
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
    for (auto& m : compiled_.metrics[k])
      m->update(model_.output(k), targets_[k], m->weighted() ? metric_weights_[k] : sequence_mask(k));
}

void Trainer::reset_metrics() {
  for (auto& ms : compiled_.metrics)
    for (auto& m : ms) m->reset();
}

double Trainer::step(const RunContext& context, Index rows, Index global_rows) {
  const bool alone = processes_->size() == 1;
  batch_share_ = static_cast<double>(rows) / static_cast<double>(global_rows);
  double loss = 0;
  if (rows > 0) {
    model_.forward(context);
    model_.zero_grads();
    loss = batch_loss(context.rng);
    update_metrics();
    model_.backward(BatchShare{batch_share_, processes_->leader()});
  } else {
    // An uneven last batch smaller than the process count leaves this one nothing: it adds zeros (including
    // the gradients a backward pass would have overwritten, which zero_grads leaves).
    model_.zero_grads();
    for (const ParamSlot& slot : trainable_)
      if (slot.param->backward_assigns_grad) slot.param->grad.set_zero();
    std::fill(output_losses_.begin(), output_losses_.end(), 0.0);
    model_.idle_pass();  // the split tables' exchanges still need this process
  }
  loss += model_.weight_penalty();  // of the weights the step started from
  // Whether any process's loss is NaN or infinite travels with the gradients, so that all stop together.
  Real nonfinite = std::isfinite(loss) ? Real(0) : Real(1);
  if (!alone) gradient_sum_.run(*processes_, &nonfinite, 1);
  nonfinite_losses_ = static_cast<int>(nonfinite);
  compiled_.optimizer->apply(trainable_);
  return loss;
}

void Trainer::join_epoch(double* loss_sum) {
  if (processes_->size() == 1) return;
  if (loss_sum) {
    joined_.assign(1 + output_loss_sums_.size(), 0.0);
    joined_[0] = *loss_sum;
    std::copy(output_loss_sums_.begin(), output_loss_sums_.end(), joined_.begin() + 1);
    processes_->sum_doubles(joined_.data(), joined_.size());
    *loss_sum = joined_[0];
    std::copy(joined_.begin() + 1, joined_.end(), output_loss_sums_.begin());
  }
  for (auto& ms : compiled_.metrics)
    for (auto& m : ms) m->reduce(*processes_);
}

double Trainer::train_on_batch(const Dataset& data, Index begin, Index end) {
  load_batch(data, identity_order(data.size()), begin, end);
  Random rng(seed_ ^ static_cast<uint64_t>(compiled_.optimizer->iterations()));
  reset_metrics();
  RunContext context{Mode::Training, &rng, rng.split(0).next(), begin};
  return step(context, end - begin, end - begin);
}

std::vector<EpochRecord> Trainer::fit(const Dataset& train, const Dataset* validation,
                                      const FitOptions& options) {
  std::vector<EpochRecord> history;
  const DataSource* source =
      options.epoch_source && options.epoch_source->makes_batches() ? options.epoch_source : nullptr;
  const Index n = source ? source->epoch_rows() : train.size();
  if (n == 0) throw TrainingError("the training data is empty");
  if (const auto fixed = model_.fixed_batch_size(); fixed && *fixed != options.batch_size)
    throw TrainingError("the model's input has batch_size " + std::to_string(*fixed) +
                        " but fit.batch_size is " + std::to_string(options.batch_size));
  RowOrder order;
  class_weights_ = options.class_weights;
  // Only this fit's steps take them (evaluation never does): a later train_on_batch runs without them.
  struct ClearClassWeights {
    std::vector<double>& weights;
    ~ClearClassWeights() { weights.clear(); }
  } clear_class_weights{class_weights_};
  Logs running;
  for (const auto& name : log_names(false)) running.emplace_back(name, 0.0);
  // The tests of a launch losing a process (core/fault_injection.hpp).
  const std::optional<RankFault> fault = rank_fault(processes_->rank());
  long steps_taken = 0;
  for (int epoch = options.initial_epoch; epoch < options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    check_row_count(n);
    const Index batches = (n + options.batch_size - 1) / options.batch_size;
    const Index steps = options.steps_per_epoch ? std::min(*options.steps_per_epoch, batches) : batches;
    // Each epoch's order and dropout draws come from the seed and the epoch number alone, so a run
    // resumed at epoch k sees exactly what an uninterrupted run would. Data made batch by batch is ordered
    // by a keyed permutation, which holds nothing: its held order would outweigh everything else.
    Random epoch_rng = Random(seed_).split(static_cast<uint64_t>(epoch) + 1);
    if (!options.shuffle)
      order.set_identity(n);
    else if (source)
      order.set_keyed(n, epoch_rng.next());
    else
      order.set_shuffled(n, epoch_rng);
    if (options.reset_states_each_epoch) model_.reset_states();
    for (Callback* c : options.callbacks) c->on_epoch_begin(epoch, options.epochs, static_cast<long>(steps));
    reset_metrics();
    double loss_sum = 0;
    Index seen = 0, local_seen = 0;
    std::fill(output_loss_sums_.begin(), output_loss_sums_.end(), 0.0);
    // Dropout masks: per sample, from the epoch's seed and the sample's position (RunContext::sample_random).
    const uint64_t draw_seed = epoch_rng.split(0).next();
    for (Index s = 0; s < steps; ++s) {
      const Index begin = s * options.batch_size, end = std::min(n, begin + options.batch_size);
      // This process's rows of the global batch (all of them when it is alone).
      const auto [first, last] = processes_->share(end - begin);
      if (source)
        make_batch(*source, epoch, order, begin + first, begin + last);
      else
        load_batch(train, order, begin + first, begin + last);
      processes_->set_position(epoch + 1, static_cast<long>(s + 1));
      // A step's own generator (sampled softmax's candidates): the same on every process.
      Random step_rng = epoch_rng.split(static_cast<uint64_t>(s) + 1);
      const RunContext context{Mode::Training, &step_rng, draw_seed, begin + first};
      if (fault && ++steps_taken == fault->step)
        fault->hangs ? hang_by_injected_fault() : die_by_injected_fault();
      const double loss = step(context, last - first, end - begin);
      if (nonfinite_losses_ > 0) {
        // Keras's TerminateOnNaN, always on: stop at the step, keep every file as it was. Every process
        // stops here, whichever one's loss it was.
        throw NonFiniteLoss("the loss became " +
                            (std::isfinite(loss) ? "NaN or infinite" : std::to_string(loss)) + " at epoch " +
                            std::to_string(epoch + 1) + ", step " + std::to_string(s + 1) +
                            "; training stopped, no weights written (lower the learning rate?).");
      }
      // This process's rows: the sums are joined at the end of the epoch (a sum per step would cost a round
      // trip per step), and the progress shows this process's running figures meanwhile.
      loss_sum += loss * static_cast<double>(last - first);
      accumulate_output_losses(last - first);
      seen += end - begin;
      local_seen += last - first;
      if (!options.callbacks.empty()) {
        fill_logs(running, loss_sum, local_seen, true);
        for (Callback* c : options.callbacks) c->on_batch_end(static_cast<long>(s + 1), running);
      }
    }
    processes_->set_position(epoch + 1, 0);
    join_epoch(&loss_sum);
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
  const RowOrder& order = identity_order(n);
  reset_metrics();
  std::fill(output_loss_sums_.begin(), output_loss_sums_.end(), 0.0);
  double loss_sum = 0;
  batch_share_ = 1.0;
  // Each process evaluates its own block of rows; the sums are joined below.
  const auto [first, last] = processes_->share(n);
  model_.begin_uneven_passes();
  for (Index begin = first; begin < last; begin += batch_size) {
    const Index end = std::min(last, begin + batch_size);
    load_batch(data, order, begin, end);
    model_.forward(RunContext{Mode::Inference, nullptr});
    loss_sum += (batch_loss(nullptr) + model_.weight_penalty()) * static_cast<double>(end - begin);
    accumulate_output_losses(end - begin);
    update_metrics();
  }
  model_.end_uneven_passes();
  join_epoch(&loss_sum);
  Logs logs;
  for (const auto& name : log_names(false)) logs.emplace_back(name, 0.0);
  fill_logs(logs, loss_sum, n);
  return logs;
}

std::vector<Tensor> predict_layers(Model& model, const Dataset& data, const std::vector<OutputRef>& layers,
                                   Index batch_size, std::vector<Tensor>* masks, Index first, Index last) {
  if (last < 0) last = data.size();
  const Index n = last - first;
  std::vector<Tensor> outputs(layers.size());
  if (masks) masks->assign(layers.size(), Tensor());
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
      std::copy(src.data.begin() + (first + begin) * src.row_size(),
                src.data.begin() + (first + end) * src.row_size(), dst.data.begin());
    }
    model.forward(RunContext{Mode::Inference, nullptr});
    for (size_t k = 0; k < outputs.size(); ++k) {
      const Tensor& y = model.layer_output(layers[k].node, layers[k].index);
      std::copy(y.data.begin(), y.data.end(), outputs[k].data.begin() + begin * y.row_size());
      const Tensor* mask = masks ? model.layer_mask(layers[k].node, layers[k].index) : nullptr;
      if (!mask) continue;
      Tensor& all = (*masks)[k];
      if (all.empty()) {
        Shape shape = mask->shape;
        shape[0] = n;
        all.resize(shape);
      }
      std::copy(mask->data.begin(), mask->data.end(), all.data.begin() + begin * mask->row_size());
    }
  }
  return outputs;
}

std::vector<Tensor> predict_outputs(Model& model, const Dataset& data, Index batch_size, Index first,
                                    Index last) {
  std::vector<OutputRef> outputs;
  for (size_t k = 0; k < model.num_outputs(); ++k) outputs.push_back(model.output_ref(k));
  return predict_layers(model, data, outputs, batch_size, nullptr, first, last);
}

}  // namespace yamlnet
