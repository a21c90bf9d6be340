#pragma once
// Logs are part of the public API (include/yamlnet/logs.hpp): train() and evaluate() return them.
#include "yamlnet/logs.hpp"
