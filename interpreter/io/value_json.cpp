#include "interpreter/io/value_json.hpp"

namespace yamlnet {

nlohmann::ordered_json value_json(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Int:
      return v.i;
    case Value::Kind::Float:
      return v.f;
    case Value::Kind::Bool:
      return v.b;
    case Value::Kind::String:
    case Value::Kind::Function:
      return v.s;
    case Value::Kind::IntList:
      return v.ints();
    case Value::Kind::FloatList:
      return v.floats();
    case Value::Kind::StringList:
      return v.strings();
    case Value::Kind::None:
    case Value::Kind::Keyed:
      break;
  }
  return nullptr;
}

}  // namespace yamlnet
