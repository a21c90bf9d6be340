#include "interpreter/spec/echo.hpp"

namespace yamlnet {

YAML::Node value_to_yaml(const Value& value) {
  switch (value.kind) {
    case Value::Kind::None:
      return YAML::Node(YAML::NodeType::Null);
    case Value::Kind::Int:
      return YAML::Node(static_cast<long long>(value.i));
    case Value::Kind::Float:
      return YAML::Node(value.f);
    case Value::Kind::Bool:
      return YAML::Node(value.b);
    case Value::Kind::String:
      return YAML::Node(value.s);
    case Value::Kind::IntList: {
      YAML::Node list(YAML::NodeType::Sequence);
      for (int64_t v : value.ints()) list.push_back(static_cast<long long>(v));
      return list;
    }
    case Value::Kind::FloatList: {
      YAML::Node list(YAML::NodeType::Sequence);
      for (double v : value.floats()) list.push_back(v);
      return list;
    }
    case Value::Kind::StringList: {
      YAML::Node list(YAML::NodeType::Sequence);
      for (const auto& v : value.strings()) list.push_back(v);
      return list;
    }
    case Value::Kind::Keyed: {
      if (value.strings().empty()) {
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& item : value.items()) list.push_back(value_to_yaml(item));
        return list;
      }
      YAML::Node map(YAML::NodeType::Map);
      for (size_t k = 0; k < value.items().size(); ++k)
        map[value.strings()[k]] = value_to_yaml(value.items()[k]);
      return map;
    }
    case Value::Kind::Function: {
      if (value.s.empty()) {  // a list of functions (callbacks)
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& item : value.items()) list.push_back(value_to_yaml(item));
        return list;
      }
      YAML::Node map(YAML::NodeType::Map);
      map["type"] = value.s;
      if (!value.strings().empty()) map["name"] = value.strings()[0];  // a wrapped layer's name
      for (const auto& [key, arg] : value.args())
        if (!arg.is_none()) map[key.str()] = value_to_yaml(arg);
      return map;
    }
  }
  return YAML::Node();
}

YAML::Node args_to_yaml(const Args& args) {
  YAML::Node map(YAML::NodeType::Map);
  for (const auto& [key, value] : args.items())
    if (!value.is_none()) map[key.str()] = value_to_yaml(value);
  return map;
}

}  // namespace yamlnet
