#pragma once
// Sums one data-parallel step's gradients over the processes, so that every process applies the same update.
// Dense gradients travel whole; a row-sparse one (an Embedding table) travels as the rows some process
// touched: the touched ids are gathered first, and only the union of those rows is summed, never the whole
// table. Everything goes in one buffer and one sum per step. Buffers keep their capacity: no allocation once
// warm.
#include <vector>

#include "interpreter/core/collective.hpp"
#include "layers/layer.hpp"

namespace yamlnet {

class GradientSum {
 public:
  explicit GradientSum(const std::vector<ParamSlot>& trainable);
  // Replaces every gradient by its sum over the processes; a sparse gradient's touched rows become the union
  // of every process's. The `extra` values travel in the same sum (a flag per process, say).
  void run(Collective& processes, Real* extra = nullptr, size_t extra_count = 0);

 private:
  struct SparseTable {
    Parameter* param;
    RowSet everyone;            // scratch: the union of every process's rows, in one order on every process
    std::vector<int64_t> rows;  // that union
  };
  std::vector<Parameter*> dense_;
  std::vector<SparseTable> sparse_;
  // Touched ids, one fixed-length message per process: its total, each table's count, then the ids padded to
  // capacity_ (the most any process has sent, grown by a quarter when exceeded): one exchange per step.
  std::vector<int64_t> mine_, all_;
  size_t capacity_ = 0;
  void exchange_touched_rows(Collective& processes);
  std::vector<Real> buffer_;
};

}  // namespace yamlnet
