#pragma once
// compile + fit / evaluate / predict over a Model, with Keras's semantics.
#include <functional>
#include <memory>
#include <vector>

#include "interpreter/data/data_source.hpp"
#include "interpreter/data/dataset.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/train/callback.hpp"
#include "interpreter/train/compiled.hpp"
#include "interpreter/train/gradient_sum.hpp"
#include "interpreter/train/logs.hpp"
#include "interpreter/train/optimizers.hpp"

namespace yamlnet {

struct EpochRecord {
  int epoch = 0;  // 0-based, as Keras's CSVLogger writes it
  Logs logs;
  // The training part of the epoch (its data work and steps, not validation), for throughput figures.
  double train_seconds = 0;
  Index train_samples = 0;
};

// A step's loss became NaN or infinite: training stopped there, nothing written.
class NonFiniteLoss : public TrainingError {
 public:
  using TrainingError::TrainingError;
};

struct FitOptions {
  int epochs = 1;
  int initial_epoch = 0;
  Index batch_size = 32;
  bool shuffle = true;
  std::optional<Index> steps_per_epoch;
  bool reset_states_each_epoch = false;
  // A source whose training data varies per epoch (implicit_feedback's fresh negatives) makes each epoch's;
  // otherwise fit's `train` serves every epoch.
  const DataSource* epoch_source = nullptr;
  // Keras's class_weight: the loss weight of each class index (1 for classes beyond the list). Training
  // steps only, as in Keras (evaluation weighs samples by sample_weight alone).
  std::vector<double> class_weights;
  // Told of each epoch and step, in this order; one may stop training (EpochEnd::stop).
  std::vector<Callback*> callbacks;
};

class Trainer {
 public:
  // `compile` is the parsed compile block. Throws ConfigError when it cannot train (no loss).
  Trainer(Model& model, const Args& compile, uint64_t seed);

  // Target values per prediction row for each output (1 for sparse labels), for the data loader.
  std::vector<Index> target_widths() const { return compiled_.target_widths(model_); }
  // The names fit() logs, in order (loss, metrics; with_validation adds val_ ones).
  std::vector<std::string> log_names(bool with_validation) const {
    return compiled_.log_names(model_, with_validation);
  }

  // Throws NonFiniteLoss when a step's loss is NaN or infinite (Keras's TerminateOnNaN, always on).
  std::vector<EpochRecord> fit(const Dataset& train, const Dataset* validation, const FitOptions& options);
  Logs evaluate(const Dataset& data, Index batch_size);

  // One update on rows [begin, end) in order; returns the batch loss before the update (train_on_batch).
  double train_on_batch(const Dataset& data, Index begin, Index end);

  // Shows each loss the training targets (the frequency sampler of sampled softmax counts them).
  // `source`: the data, when it makes its training batches (then `train` is empty and the source counts).
  void observe_training_targets(const Dataset& train, const DataSource* source = nullptr);

  // The processes of a data-parallel run (an mpirun launch): fit() then takes this process's share of each
  // global batch (fit.batch_size stays the global batch, as with Keras's distribution strategies), sums the
  // gradients over the processes and applies one identical update everywhere; evaluate() splits the rows and
  // joins the sums. Without it, one process.
  // Throws TrainingError when the optimizer clips by a norm and a table is split (no process holds the
  // whole gradient whose norm it needs).
  void set_processes(Collective& processes);
  Collective& processes() { return *processes_; }

  Optimizer& optimizer() { return *compiled_.optimizer; }
  Model& model() { return model_; }

 private:
  void load_batch(const Dataset& data, const RowOrder& order, Index begin, Index end);
  // The same for a source that makes its examples batch by batch.
  void make_batch(const DataSource& source, int epoch, const RowOrder& order, Index begin, Index end);
  // identity_order_ covering `rows` rows.
  const RowOrder& identity_order(Index rows);
  // Forward, loss, backward and update on this process's `rows` of a global batch of `global_rows`, already
  // loaded; returns the loss of those rows. Sets nonfinite_losses_.
  double step(const RunContext& context, Index rows, Index global_rows);
  // With the step's generator: training (gradients, sampling losses sample); without: evaluation. The loss
  // of the loaded rows without the weight penalties (the caller adds them once).
  double batch_loss(Random* training_rng);
  // After an epoch or an evaluation over split rows: every process's metric states joined, and with
  // `loss_sum`, it and the outputs' loss sums.
  void join_epoch(double* loss_sum);
  void update_metrics();
  const Tensor* sequence_mask(size_t k) const;
  // Output k's loss weight per prediction row: its mask times the sample weight (and in training the class
  // weight) of the row's sample; the mask alone, or null, when no weights apply. Sets loss_scale_[k].
  const Tensor* row_weights(size_t k, bool training);
  void accumulate_output_losses(Index rows);
  // Writes mean loss, per-output losses and metric results into logs named by log_names(false).
  void fill_logs(Logs& logs, double loss_sum, Index seen, bool running = false) const;
  void reset_metrics();

  Model& model_;
  uint64_t seed_;
  Compiled compiled_;
  std::vector<Tensor> targets_;     // batch targets per output
  std::vector<Tensor> loss_grads_;  // per output
  Tensor sample_weights_;           // the batch's sample_weight, when the data has one
  bool has_sample_weights_ = false;
  std::vector<double> class_weights_;          // fit's, while fit runs
  std::vector<Tensor> row_weights_;            // per output, see row_weights()
  std::vector<const Tensor*> metric_weights_;  // per output: the weights of the last batch_loss
  // Per output: Loss::compute averages over the weight sum, Keras over the rows (or unmasked steps) alone.
  std::vector<double> loss_scale_;
  std::vector<double> output_losses_, output_loss_sums_;  // per output: last batch, and summed over an epoch
  std::vector<ParamSlot> trainable_;
  RowOrder identity_order_;
  BatchBuffers batch_buffers_;  // the model's input buffers and the targets, for a source to fill
  SingleProcess one_process_;
  Collective* processes_ = &one_process_;
  GradientSum gradient_sum_;
  double batch_share_ = 1.0;    // this process's rows over the global batch's, in the step under way
  std::vector<double> joined_;  // scratch of join_epoch
  int nonfinite_losses_ = 0;    // processes whose last step's loss was NaN or infinite
};

// The model's outputs for every row of `data`, in inference mode; or for rows [first, last) alone, read in
// place (batches start at `first`).
std::vector<Tensor> predict_outputs(Model& model, const Dataset& data, Index batch_size, Index first = 0,
                                    Index last = -1);
// The outputs of the given layers (any layer of the graph: a user tower) for every row of `data`. With
// `masks`, also each output's mask ([rows, steps], 0/1), or an empty tensor for an output without one.
std::vector<Tensor> predict_layers(Model& model, const Dataset& data, const std::vector<OutputRef>& layers,
                                   Index batch_size, std::vector<Tensor>* masks = nullptr, Index first = 0,
                                   Index last = -1);

}  // namespace yamlnet
