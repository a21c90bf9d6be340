#pragma once
// Masks that reach a layer which cannot use them (Flatten after an Embedding with mask_zero): Keras 2 drops
// them there silently, so padding counts as data from that layer on; Keras 1 refused the model. yamlnet
// drops them too, with a warning naming both layers.
#include <string>
#include <vector>

#include "interpreter/graph/model.hpp"

namespace yamlnet {

// One warning per layer that drops a mask, naming the layer whose output carried it. Whether an output has a
// mask does not depend on the values, so the model runs once on a batch of zeros, and only when some layer
// makes a mask (mask_zero, Masking). Stateful layers' states are reset afterwards.
std::vector<std::string> dropped_mask_warnings(Model& model);

}  // namespace yamlnet
