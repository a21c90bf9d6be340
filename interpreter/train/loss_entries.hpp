#pragma once
// The loss registry's entries, one group per file; losses.cpp joins them into the one table.
#include <vector>

#include "interpreter/spec/kind_registry.hpp"
#include "interpreter/train/losses.hpp"

namespace yamlnet {

using LossEntry = KindEntry<Loss>;

// Keras's backend epsilon: the clip and the guard of every log and division in Keras's losses.
constexpr double kLossEpsilon = 1e-7;

std::vector<LossEntry> regression_loss_entries();    // regression_losses.cpp
std::vector<LossEntry> hinge_loss_entries();         // hinge_losses.cpp
std::vector<LossEntry> crossentropy_loss_entries();  // crossentropy_losses.cpp

}  // namespace yamlnet
