#include "interpreter/train/gradient_sum.hpp"

#include <algorithm>

namespace yamlnet {

GradientSum::GradientSum(const std::vector<ParamSlot>& trainable) {
  for (const ParamSlot& slot : trainable) {
    Parameter& p = *slot.param;
    if (p.touched)
      sparse_.push_back(SparseTable{&p, TouchedRows(p.shape[0]), {}});
    else
      dense_.push_back(&p);
  }
}

void GradientSum::run(Collective& processes) {
  if (processes.size() == 1) return;
  if (!sparse_.empty()) {
    mine_.clear();
    for (const SparseTable& t : sparse_) {
      mine_.push_back(static_cast<int64_t>(t.param->touched->rows().size()));
      for (Index r : t.param->touched->rows()) mine_.push_back(r);
    }
    processes.gather(mine_, all_);
    // Walk every process's message in rank order: the union comes out in the same order everywhere.
    for (SparseTable& t : sparse_) t.rows.clear();
    size_t at = 0;
    while (at < all_.size())
      for (SparseTable& t : sparse_) {
        const auto count = static_cast<size_t>(all_[at++]);
        for (size_t i = 0; i < count; ++i) {
          const Index row = all_[at + i];
          if (row < 0 || row >= t.param->shape[0])
            throw TrainingError("a process sent row " + std::to_string(row) + " of '" + t.param->name +
                                "', which has " + std::to_string(t.param->shape[0]) + " rows");
          t.everyone.add(row);
        }
        at += count;
      }
    for (SparseTable& t : sparse_) {
      for (Index r : t.everyone.rows()) {
        t.rows.push_back(r);
        t.param->touched->add(r);  // this process's gradient row is zero there; the optimizer must visit it
      }
      t.everyone.clear();
    }
  }
  size_t total = 0;
  for (const Parameter* p : dense_) total += static_cast<size_t>(p->grad.size());
  for (const SparseTable& t : sparse_) total += t.rows.size() * static_cast<size_t>(t.param->shape[1]);
  buffer_.resize(total);
  Real* at = buffer_.data();
  for (const Parameter* p : dense_) at = std::copy(p->grad.data.begin(), p->grad.data.end(), at);
  for (const SparseTable& t : sparse_) {
    const Index width = t.param->shape[1];
    for (int64_t r : t.rows) at = std::copy_n(t.param->grad.ptr() + r * width, width, at);
  }
  processes.sum(buffer_.data(), buffer_.size());
  const Real* from = buffer_.data();
  for (Parameter* p : dense_) {
    std::copy_n(from, p->grad.size(), p->grad.data.begin());
    from += p->grad.size();
  }
  for (const SparseTable& t : sparse_) {
    const Index width = t.param->shape[1];
    for (int64_t r : t.rows) {
      std::copy_n(from, width, t.param->grad.ptr() + r * width);
      from += width;
    }
  }
}

}  // namespace yamlnet
