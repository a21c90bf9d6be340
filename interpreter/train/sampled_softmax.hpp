#pragma once
// Sampled softmax (TensorFlow's tf.nn.sampled_softmax_loss): the model's output is a query vector u (the
// YouTube-DNN user vector); the classes are the rows of an item Embedding table W named by the loss. Training
// scores the true item against `num_sampled` distinct items drawn once per batch, with the log-Q correction
// (each logit minus log of its expected count in the sample) and accidental hits (a sampled item equal to the
// row's true item) removed; evaluation uses the full softmax over every item. The table has no bias (as in
// the YouTube-DNN reference code). With a mask_zero table, id 0 is padding: never sampled, never scored.
#include <string>
#include <vector>

#include "interpreter/train/candidate_sampler.hpp"
#include "interpreter/train/losses.hpp"
#include "layers/layer.hpp"

namespace yamlnet {

std::vector<ArgSpec> sampled_softmax_args();

class SampledSoftmax : public Loss {
 public:
  explicit SampledSoftmax(const Value& spec);
  bool takes_logits_of(const std::string&) const override { return false; }
  Index target_width(Index) const override { return 1; }
  void bind(Graph& graph, size_t output) override;
  // For tests: score against this table directly. During training d loss / d table is added into table_grad,
  // or into table_rows when the table's gradient is kept by rows (at most one of them given).
  void bind_table(Tensor* table, Tensor* table_grad, bool zero_is_padding,
                  RowGradients* table_rows = nullptr);
  void observe_targets(const Tensor& targets) override;
  void observe_target_counts(const std::vector<double>& counts) override;
  double compute(const Tensor& input, const Tensor& target, Tensor& grad, const Tensor* row_weights = nullptr,
                 Random* sampling = nullptr) override;
  double value(const Tensor& input, const Tensor& target, const Tensor* row_weights = nullptr) override;

  // The sample of the last training batch (for tests).
  const std::vector<Index>& last_sample() const { return sample_; }
  Index last_tries() const { return tries_; }

 private:
  double sampled(const Tensor& input, const Tensor& target, Tensor& grad, const Tensor* row_weights,
                 Random& rng);
  // The exact loss, the softmax over every item; with `grad`, also d loss / d input (a second product as
  // large as the scores, which value() skips).
  double full(const Tensor& input, const Tensor& target, const Tensor* row_weights, Tensor* grad);
  void check_input(const Tensor& input) const;
  Index checked_id(Real value) const;
  // Row b's weight (1 without row weights); records its checked target id in ids_.
  double start_row(const Tensor* row_weights, const Tensor& target, Index b);

  Value spec_;
  std::string table_layer_;
  Index num_sampled_;
  bool remove_hits_, subtract_log_q_;
  Tensor* table_ = nullptr;
  Tensor* table_grad_ = nullptr;
  RowGradients* table_rows_ = nullptr;
  Index first_id_ = 0;
  std::unique_ptr<CandidateSampler> sampler_;
  // Per-batch buffers, reused across steps.
  std::vector<Index> sample_;
  Index tries_ = 0;
  std::vector<double> sample_log_q_;
  Tensor sampled_rows_, logits_, row_grads_;
  std::vector<double> row_scratch_;
  std::vector<Real> true_grads_;
  std::vector<Index> ids_;
};

}  // namespace yamlnet
