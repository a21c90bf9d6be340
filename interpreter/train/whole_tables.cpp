#include "interpreter/train/whole_tables.hpp"

#include "interpreter/train/optimizers.hpp"

namespace yamlnet {

namespace {

void gather_whole(Collective& processes, RealBuffer& values) {
  std::vector<Real> every;
  processes.gather_reals(to_vector(values), every);
  values.assign(every.begin(), every.end());
}

// Keeps values [begin, end) of `values`.
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
    RealBuffer every = p.value.data;
    gather_whole(processes, every);
    p.shape[0] = p.shard->full_rows;
    p.value.resize(p.shape);
    std::copy(every.begin(), every.end(), p.value.data.begin());
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
    // A new buffer, so that the whole table's memory is given back.
    Tensor own(p.shape);
    std::copy(p.value.data.begin() + begin, p.value.data.begin() + end, own.data.begin());
    p.value = std::move(own);
    if (split.slots)
      for (auto& values : *split.slots) keep_own(values, begin, end);
  }
}

}  // namespace yamlnet
