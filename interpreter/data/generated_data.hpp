#pragma once
// The `generated` data type: random inputs and targets shaped by the model itself, for trying a model
// copied from the Keras documents (`model.predict(np.random.randint(1000, size=(32, 10)))`) before real data
// is at hand.
#include "interpreter/data/data_source.hpp"

namespace yamlnet {

DataSourceEntry generated_data_entry();

}  // namespace yamlnet
