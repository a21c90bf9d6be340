#include "interpreter/docs/json_schema.hpp"

#include <algorithm>
#include <cctype>

#include "interpreter/data/data_source.hpp"
#include "interpreter/io/value_json.hpp"
#include "interpreter/spec/keras_spellings.hpp"
#include "interpreter/train/callbacks.hpp"
#include "interpreter/train/checkpoint.hpp"
#include "interpreter/train/fit_spec.hpp"
#include "interpreter/train/learning_rate_schedules.hpp"
#include "interpreter/train/losses.hpp"
#include "interpreter/train/optimizers.hpp"
#include "layers/functional/activations.hpp"
#include "layers/functional/constraints.hpp"
#include "layers/functional/initializers.hpp"
#include "layers/functional/regularizers.hpp"
#include "layers/registry.hpp"

namespace yamlnet {

namespace {

using Json = nlohmann::ordered_json;

std::string def_ref(const std::string& name) {
  return "#/$defs/" + name;
}

void set_bounds(Json& j, const ArgSpec& a) {
  if (a.min) j[a.min_exclusive ? "exclusiveMinimum" : "minimum"] = *a.min;
  if (a.max) j[a.max_exclusive ? "exclusiveMaximum" : "maximum"] = *a.max;
}

Json arg_schema(const ArgSpec& a) {
  Json j;
  switch (a.type) {
    case ArgType::Int:
      j["type"] = "integer";
      set_bounds(j, a);
      break;
    case ArgType::Float:
      j["type"] = "number";
      set_bounds(j, a);
      if (a.family) j = Json{{"anyOf", {j, {{"$ref", def_ref(a.family->name)}}}}};
      break;
    case ArgType::Bool:
      j["type"] = "boolean";
      break;
    case ArgType::String:
      j["type"] = "string";
      j["minLength"] = 1;
      break;
    case ArgType::Enum:
      j["enum"] = a.choices;
      break;
    case ArgType::FloatList: {
      Json item{{"type", "number"}};
      set_bounds(item, a);
      j["type"] = "array";
      j["items"] = item;
      break;
    }
    case ArgType::IntList: {
      Json item{{"type", "integer"}};
      set_bounds(item, a);
      j["type"] = "array";
      j["items"] = item;
      break;
    }
    case ArgType::StringList: {
      Json item{{"type", "string"}};
      if (!a.choices.empty()) {
        Json known{{"enum", a.choices}};
        item = a.also_pattern.empty()
                   ? known
                   : Json{{"anyOf", {known, {{"type", "string"}, {"pattern", a.also_pattern}}}}};
      }
      // A single name stands for a list of one, as in Keras (metrics: accuracy).
      j["anyOf"] = {item, {{"type", "array"}, {"items", item}}};
      break;
    }
    case ArgType::Function:
      j["$ref"] = def_ref(a.family->name);
      break;
    case ArgType::FunctionList:
      j["type"] = "array";
      j["items"] = {{"$ref", def_ref(a.family->name)}};
      break;
    case ArgType::Layer:
      j["$ref"] = def_ref("layer");
      break;
  }
  if (a.keying == Keying::PerOutput)
    j = Json{
        {"anyOf", {j, {{"type", "array"}, {"items", j}}, {{"type", "object"}, {"additionalProperties", j}}}}};
  if (a.keying == Keying::PerClass)
    j = Json{
        {"anyOf",
         {{{"type", "object"}, {"propertyNames", {{"pattern", "^[0-9]+$"}}}, {"additionalProperties", j}},
          {{"type", "array"}, {"items", j}}}}};
  // An optional argument may be written as null (its default).
  if (!a.required) j = Json{{"anyOf", {j, {{"type", "null"}}}}};
  if (!a.doc.empty()) j["description"] = a.doc;
  if (!a.default_value.is_none()) j["default"] = value_json(a.default_value);
  return j;
}

// Properties for a table, plus Keras's old names (accepted with a warning), marked deprecated.
void add_args(Json& object, const std::vector<ArgSpec>& args, const std::vector<KerasAlias>& aliases) {
  for (const auto& a : args) {
    object["properties"][a.name] = arg_schema(a);
    if (!a.required) continue;
    // A required argument may come by its Keras 1 name (`output_dim` for `units`).
    Json either = Json::array({{{"required", {a.name}}}});
    for (const auto& alias : aliases)
      if (alias.new_name == a.name) either.push_back({{"required", {alias.old_name}}});
    if (either.size() == 1)
      object["required"].push_back(a.name);
    else
      object["allOf"].push_back({{"anyOf", either}});
  }
  for (const auto& alias : aliases) {
    Json old{{"deprecated", true},
             {"description", alias.new_name.empty() ? "Keras 1 argument, accepted and ignored"
                                                    : "Keras 1 name of '" + alias.new_name + "'"}};
    if (alias.new_name.empty() && !alias.values.empty())
      for (const auto& [value, unused] : alias.values) old["enum"].push_back(value);
    object["properties"][alias.old_name] = old;
  }
}

Json object_schema(const std::vector<ArgSpec>& args, const std::vector<KerasAlias>& aliases = {}) {
  Json j{{"type", "object"}, {"properties", Json::object()}};
  add_args(j, args, aliases);
  j["additionalProperties"] = false;
  return j;
}

Json names_enum(const FunctionInfo& f) {
  Json names = Json::array({f.name});
  if (camel_case(f.name) != f.name) names.push_back(camel_case(f.name));
  for (const auto& alias : f.aliases) names.push_back(alias);
  return names;
}

// A function family: a bare name (when no argument is required) or {type: name, args...}.
Json family_schema(const FunctionFamily& family) {
  Json bare = Json::array();
  Json forms = Json::array();
  for (const auto& f : family.members) {
    const bool needs_args =
        std::any_of(f.args.begin(), f.args.end(), [](const ArgSpec& a) { return a.required; });
    if (!needs_args)
      for (const auto& n : names_enum(f)) bare.push_back(n);
    Json form = object_schema(f.args, f.keras_aliases);
    form["description"] = f.doc;
    if (family.members.size() == 1) {  // a settings block: no type needed
      forms.push_back(form);
      continue;
    }
    form["properties"]["type"] = {{"enum", names_enum(f)}};
    form["required"].push_back("type");
    forms.push_back(form);
  }
  Json any = Json::array();
  if (!bare.empty()) any.push_back({{"enum", bare}});
  for (auto& f : forms) any.push_back(f);
  return {{"description", "a " + family.name}, {"anyOf", any}};
}

Json refs_schema() {
  Json name{{"type", "string"}};
  return {{"anyOf", {name, {{"type", "array"}, {"items", name}}}},
          {"description", "producer layer names ('name:k' for output k)"}};
}

// Keras's ways of giving the model's input on a layer (see input_keys()).
void add_input_keys(Json& j, const LayerInfo& info) {
  const Json dim{{"type", "integer"}, {"minimum", 1}};
  for (const auto& key : input_keys(info)) {
    if (key == "input_shape")
      j["properties"][key] = {{"type", "array"},
                              {"items", dim},
                              {"minItems", 1},
                              {"description", "the model's input shape, without the batch"}};
    else if (key == "batch_input_shape" || key == "batch_shape")
      j["properties"][key] = {
          {"type", "array"},
          {"prefixItems", {{{"anyOf", {dim, {{"type", "null"}}}}}}},
          {"items", dim},
          {"minItems", 2},
          {"description", "the model's input shape with the batch size first (null: any)"}};
    else
      j["properties"][key] = {{"type", "integer"},
                              {"minimum", 1},
                              {"description", "Keras 1: the model's input (input_length, input_dim)"}};
  }
}

// Keras 1's merge layer: its mode picks the Keras 2 layer.
Json merge_schema() {
  Json j{{"type", "object"}, {"additionalProperties", false}};
  j["description"] = "Keras 1's merge: mode sum, mul, ave, max, concat, dot or cos (Dot with normalize)";
  j["properties"]["type"] = {{"enum", {"merge", "Merge"}}};
  j["properties"]["mode"] = {{"enum", {"sum", "mul", "ave", "max", "concat", "dot", "cos"}},
                             {"default", "sum"}};
  j["properties"]["concat_axis"] = {{"type", "integer"}, {"default", -1}};
  const Json integer{{"type", "integer"}};
  const Json axes_forms = Json::array({integer, Json{{"type", "array"}, {"items", integer}}});
  j["properties"]["dot_axes"] = {{"anyOf", axes_forms}, {"default", -1}};
  j["properties"]["name"] = {{"type", "string"}};
  j["properties"]["inputs"] = refs_schema();
  j["properties"]["trainable"] = {{"type", "boolean"}};
  j["required"] = {"type"};
  return j;
}

Json layer_schema() {
  Json any = Json::array({merge_schema()});
  for (const auto& info : builtin_registry().all()) {
    if (info.type == "Input") continue;
    Json j = object_schema(info.args, info.aliases);
    j["description"] = info.doc;
    j["properties"]["type"] = {{"const", info.type}};
    j["properties"]["name"] = {{"type", "string"}, {"description", "unique layer name"}};
    j["properties"]["inputs"] = refs_schema();
    j["properties"]["trainable"] = {{"type", "boolean"}, {"default", true}};
    add_input_keys(j, info);
    j["required"].push_back("type");
    any.push_back(j);
  }
  return {{"anyOf", any}};
}

Json data_schema() {
  // One alternative per data type of the registry; `type` may be left out for the default type only.
  Json any = Json::array();
  for (const DataTypeInfo* type : data_type_declarations()) {
    Json j = object_schema(type->info.args);
    j["description"] = type->info.doc;
    if (type->info.name == kDefaultDataType) {
      j["properties"]["type"] = {{"const", type->info.name}, {"default", kDefaultDataType}};
    } else {
      j["properties"]["type"] = {{"const", type->info.name}};
      j["required"].push_back("type");
    }
    if (type->splits == SplitForm::NamedFiles) {
      Json split{{"type", "object"},
                 {"additionalProperties", {{"type", "string"}}},
                 {"description", "model input/output names (x and y for the only ones) -> files"}};
      for (const char* s : {"train", "validation", "test"}) j["properties"][s] = split;
    }
    if (type->splits == SplitForm::OnePath) {
      Json split{{"anyOf",
                  {{{"type", "string"}},
                   {{"type", "object"},
                    {"properties", {{"path", {{"type", "string"}}}}},
                    {"required", {"path"}},
                    {"additionalProperties", false}}}},
                 {"description", "the split's table file"}};
      for (const char* s : {"train", "validation", "test"}) j["properties"][s] = split;
      Json column_list{{"anyOf", {{{"type", "string"}}, {{"type", "integer"}}, {{"type", "array"}}}}};
      j["properties"]["columns"] = {{"type", "object"}, {"additionalProperties", column_list}};
    }
    for (const auto& block : type->blocks) {
      j["properties"][block.key] = object_schema(block.args);
      if (block.required) j["required"].push_back(block.key);
    }
    any.push_back(j);
  }
  return {{"anyOf", any}};
}

Json inputs_schema() {
  const LayerInfo* input = builtin_registry().find("Input");
  Json one = object_schema(input->args, input->aliases);
  one["properties"]["name"] = {{"type", "string"}};
  add_input_keys(one, *input);
  one["anyOf"] = {{{"required", {"shape"}}},
                  {{"required", {"batch_shape"}}},
                  {{"required", {"input_shape"}}},
                  {{"required", {"batch_input_shape"}}}};
  return {
      {"anyOf", {{{"type", "object"}, {"additionalProperties", one}}, {{"type", "array"}, {"items", one}}}},
      {"description", "model inputs: name -> {shape, dtype}"}};
}

}  // namespace

Json config_json_schema() {
  Json defs = Json::object();
  for (const auto* family :
       {&activation_family(), &initializer_family(), &regularizer_family(), &constraint_family(),
        &optimizer_family(), &schedule_family(), &loss_family(), &callback_family(), &checkpoint_family()})
    defs[family->name] = family_schema(*family);
  defs["layer"] = layer_schema();

  Json j;
  j["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  j["$id"] = "https://yamlnet.dev/schemas/model.schema.json";
  j["title"] = "yamlnet model config";
  j["description"] =
      "A neural network in Keras's layer names and arguments, with compile, data and fit blocks.";
  j["type"] = "object";
  Json& p = j["properties"];
  p["name"] = {{"type", "string"}, {"description", "model name (runs/<name>/ by default)"}};
  p["description"] = {{"type", "string"}};
  p["seed"] = {{"type", "integer"}, {"description", "seed of every random draw"}};
  p["keras_version"] = {{"type", "integer"},
                        {"enum", {1, 2, 3}},
                        {"default", 2},
                        {"description", "whose defaults and formulas apply: Keras 1, 2 or 3"}};
  p["threads"] = {
      {"type", "integer"},
      {"minimum", 0},
      {"default", 0},
      {"maximum", 1024},
      {"description",
       "threads of training and prediction (0: every CPU this process may use, or OMP_NUM_THREADS)"}};
  p["max_memory"] = {
      {"anyOf",
       {{{"type", "integer"}, {"minimum", 1}},
        {{"type", "string"}, {"pattern", "^[0-9.eE+]+ ?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?$"}}}},
      {"description", "bytes the parameters may take (4GB, 512MiB...); default: the machine's memory"}};
  p["inputs"] = inputs_schema();
  p["layers"] = {{"type", "array"}, {"items", {{"$ref", def_ref("layer")}}}};
  p["outputs"] = refs_schema();
  p["compile"] = object_schema(compile_table());
  p["data"] = data_schema();
  p["fit"] = object_schema(fit_table());
  Json init_entry{{"type", "object"},
                  {"properties",
                   {{"path", {{"type", "string"}}},
                    {"layers", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}}}},
                  {"required", {"path"}},
                  {"additionalProperties", false}};
  p["init_from"] = {{"type", "array"}, {"items", init_entry}};
  j["required"] = {"layers"};
  j["additionalProperties"] = false;
  j["$defs"] = defs;
  return j;
}

}  // namespace yamlnet
