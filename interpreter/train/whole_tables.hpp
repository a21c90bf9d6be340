#pragma once
// Tables split by rows across processes (Embedding's shard: rows), made whole for a moment: while a
// WholeTables lives, each split table holds every row on every process (gathered in rank order), with the
// optimizer's state for it, so that the weights and checkpoint writers see the model as one process would.
// Afterwards each process keeps its own rows again. Every process must make one at the same point; without
// split tables it does nothing.
#include <vector>

#include "interpreter/graph/model.hpp"
#include "interpreter/train/optimizers.hpp"

namespace yamlnet {

class WholeTables {
 public:
  explicit WholeTables(Model& model, Optimizer* optimizer = nullptr);
  ~WholeTables();
  WholeTables(const WholeTables&) = delete;
  WholeTables& operator=(const WholeTables&) = delete;

 private:
  struct Split {
    Parameter* param;
    SlotValues* slots;  // the optimizer's state for it, when it has some yet
    Index own_rows;
  };
  std::vector<Split> split_;
};

}  // namespace yamlnet
