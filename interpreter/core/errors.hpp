#pragma once
// The typed errors are part of the public API (include/yamlnet/errors.hpp): callers of the library catch the
// same types the interpreter throws.
#include "yamlnet/errors.hpp"
