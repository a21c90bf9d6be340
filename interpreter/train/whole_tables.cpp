#include "interpreter/train/whole_tables.hpp"

#include "interpreter/train/optimizers.hpp"

namespace yamlnet {

namespace {

void gather_whole(Collective& processes, RealBuffer& values) {
  std::vector<Real> every;
  processes.gather_reals(to_vector(values), every);
  values.assign(every.begin(), every.end());
}

// Keeps values [begin, end) of `values`, in a new buffer, so that the whole table's memory is given back.
void keep_own(RealBuffer& values, Index begin, Index end) {
  RealBuffer(values.begin() + begin, values.begin() + end).swap(values);
}

}  // namespace

WholeTables::WholeTables(Model& model, Optimizer* optimizer) {
  if (!model.has_split_tables()) return;
  Collective& processes = *model.processes();
  for (const ParamSlot& slot : model.parameters()) {
    Parameter& p = *slot.param;
    if (!p.shard) continue;
    Split split{&p, nullptr, p.shape[0]};
    if (optimizer) {
      const auto it = optimizer->slots().find(slot.key);
      if (it != optimizer->slots().end()) split.slots = &it->second;
    }
    gather_whole(processes, p.value.data);  // every row, in rank order: the whole table's values
    p.shape[0] = p.shard->full_rows;
    p.value.resize(p.shape);  // the shape; the values are already all there
    // Every process has updated a table's state by the same step, so each has its slots or none does.
    if (split.slots)
      for (auto& values : *split.slots) gather_whole(processes, values);
    split_.push_back(split);
  }
}

WholeTables::~WholeTables() {
  for (Split& split : split_) {
    Parameter& p = *split.param;
    p.shape[0] = split.own_rows;
    const auto [begin, end] = own_values(p);
    keep_own(p.value.data, begin, end);
    p.value.resize(p.shape);
    if (split.slots)
      for (auto& values : *split.slots) keep_own(values, begin, end);
  }
}

}  // namespace yamlnet
