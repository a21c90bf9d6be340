#pragma once
// The yamlnet library: load a trained model and predict (model.hpp), train and evaluate (train.hpp); every
// failure is one of the typed errors of errors.hpp.
#include "yamlnet/errors.hpp"
#include "yamlnet/logs.hpp"
#include "yamlnet/model.hpp"
#include "yamlnet/train.hpp"

namespace yamlnet {

// The library's version, "MAJOR.MINOR.PATCH".
const char* version();

}  // namespace yamlnet
