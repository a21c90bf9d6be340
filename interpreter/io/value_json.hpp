#pragma once
// A parsed config value as JSON: numbers, booleans, strings and lists as themselves; a function by its name
// (callers that need Keras's {class_name, config} objects write those themselves); null for none.
#include <nlohmann/json.hpp>

#include "interpreter/spec/value.hpp"

namespace yamlnet {

nlohmann::ordered_json value_json(const Value& v);

}  // namespace yamlnet
