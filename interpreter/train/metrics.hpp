#pragma once
// Keras metrics, averaged over samples across an epoch (Keras's MeanMetricWrapper).
#include <memory>
#include <string>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

class Metric;
class Collective;
template <class Product, class... Context>
class KindRegistry;

// Every metric: its name, aliases and factory in one entry. The factory gets the name as the user wrote it
// (the history column) and the output and target widths.
const KindRegistry<Metric, const std::string&, Index, Index>& metric_registry();
// The metric names compile.metrics accepts (names and aliases).
const std::vector<std::string>& metric_names();

class Metric {
 public:
  // `name` as the user wrote it (it becomes the history column); `accuracy` picks binary, categorical or
  // sparse from the output width and the target width, as Keras does.
  // `logged_as` renames the history column (weighted_accuracy).
  static std::unique_ptr<Metric> create(const std::string& name, Index output_width, Index target_width,
                                        const std::string& logged_as = "");
  virtual ~Metric() = default;
  const std::string& name() const { return name_; }
  // A weighted metric (compile.weighted_metrics) is updated with the sample and class weights too.
  bool weighted() const { return weighted_; }
  void set_weighted(bool on) { weighted_ = on; }
  virtual void reset() {
    sum_ = 0;
    count_ = 0;
  }
  // With `row_weights` (an output mask), masked rows are left out, as Keras weights metrics by the mask.
  virtual void update(const Tensor& pred, const Tensor& target, const Tensor* row_weights = nullptr);
  virtual double result() const { return count_ == 0 ? 0.0 : sum_ / count_; }
  // Joins every process's state (a data-parallel run's epoch or evaluation): afterwards each holds the state
  // of all the rows the processes saw, and result() is the metric over them.
  virtual void reduce(Collective& processes);
  // Whether result() is cheap enough to read after every batch (for the progress bar); auc sorts the epoch.
  virtual bool cheap_to_read() const { return true; }

  // Public so subclasses can inherit it; use create().
  explicit Metric(std::string name) : name_(std::move(name)) {}

 protected:
  // The metric of one row of `width` predictions against its targets.
  virtual double row_value(const Real* pred, const Real* target, Index width) const = 0;
  virtual Index target_width(Index width) const { return width; }

 private:
  std::string name_;
  bool weighted_ = false;
  double sum_ = 0;
  double count_ = 0;
};

}  // namespace yamlnet
