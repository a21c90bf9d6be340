#include "interpreter/spec/model_spec.hpp"

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "interpreter/spec/arg_parser.hpp"
#include "interpreter/spec/keras_spellings.hpp"
#include "interpreter/spec/yaml_documents.hpp"

namespace yamlnet {

namespace {

const std::vector<std::string> kTopLevelKeys{"max_memory", "threads",   "name",         "description", "seed",
                                             "inputs",     "layers",    "outputs",      "compile",     "data",
                                             "fit",        "init_from", "keras_version"};
const std::set<std::string> kLayerKeys{"name", "type", "inputs", "trainable", "class_name", "inbound"};

InputRef parse_ref(const YAML::Node& node, DiagnosticSink& sink) {
  InputRef ref;
  ref.loc = sink.loc(node);
  if (!node.IsScalar()) {
    sink.error(
        node, "expected a layer name (or 'name:k'), got a " + std::string(node.IsMap() ? "mapping" : "list"));
    return ref;
  }
  std::string text = node.Scalar();
  const auto colon = text.rfind(':');
  if (colon != std::string::npos) {
    const std::string index = text.substr(colon + 1);
    bool digits = !index.empty();
    for (char c : index) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits) {
      // A layer has a handful of outputs; a longer number is a typo, reported where it was written.
      if (index.size() > 4) {
        sink.error(node, "output index " + index + " is out of range (a layer has at most a few outputs)");
        return ref;
      }
      ref.index = std::stoi(index);
      text = text.substr(0, colon);
    }
  }
  ref.layer = text;
  return ref;
}

std::vector<InputRef> parse_refs(const YAML::Node& node, DiagnosticSink& sink) {
  std::vector<InputRef> refs;
  if (node.IsSequence()) {
    for (const auto& item : node) refs.push_back(parse_ref(item, sink));
    if (refs.empty()) sink.error(node, "the list of inputs is empty");
  } else {
    refs.push_back(parse_ref(node, sink));
  }
  return refs;
}

// Keras's automatic names: dense, dense_1, dense_2...
std::string auto_name(const std::string& type, std::map<std::string, int>& counters) {
  const std::string base = snake_case(type);
  const int n = counters[base]++;
  return n == 0 ? base : base + "_" + std::to_string(n);
}

// "4GB", "512MiB", "1e9" or "1000000": bytes (decimal and binary units, as `free` and `df` print them).
std::optional<uint64_t> parse_byte_size(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(used);
  unit.erase(0, unit.find_first_not_of(' '));
  static const std::map<std::string, double> units{
      {"", 1},      {"B", 1},        {"KB", 1e3},        {"MB", 1e6},           {"GB", 1e9},
      {"TB", 1e12}, {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
  const auto it = units.find(unit);
  // Below one byte (0.5, 1e-3KB) nothing fits: that is a typo, not a budget.
  if (it == units.end() || !(value * it->second >= 1) || value * it->second > 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(value * it->second);
}

std::string key_kind(const YAML::Node& key) {
  if (key.IsMap()) return "a mapping";
  if (key.IsSequence()) return "a list";
  return "nothing";
}

// yaml-cpp keeps duplicate keys (and `node[key]` then reads the first, silently dropping the second) and
// accepts keys that are not names. Every mapping of the document is checked before anything reads it.
void check_mapping_keys(const YAML::Node& root, DiagnosticSink& sink) {
  std::vector<YAML::Node> pending{root};  // a work list, not recursion: nesting depth is the user's choice
  // Each collection once: aliases (*a) share their anchor's node, and following every reference of nested
  // aliases would take exponential time and memory (a "billion laughs" document). A node's position in the
  // text is its identity here (every collection of a parsed document has its own).
  std::set<size_t> visited;
  while (!pending.empty()) {
    const YAML::Node node = pending.back();
    pending.pop_back();
    if ((node.IsSequence() || node.IsMap()) && !visited.insert(static_cast<size_t>(node.Mark().pos)).second)
      continue;
    if (node.IsSequence())
      for (const auto& item : node) pending.push_back(item);
    if (!node.IsMap()) continue;
    std::map<std::string, int> first_line;
    for (const auto& kv : node) {
      pending.push_back(kv.second);
      if (!kv.first.IsScalar()) {
        sink.error(kv.first, "a key must be a name, got " + key_kind(kv.first));
        continue;
      }
      const std::string& key = kv.first.Scalar();
      if (key.empty()) {
        sink.error(kv.first, "empty key: every key is a name");
        continue;
      }
      const auto [it, fresh] = first_line.emplace(key, kv.first.Mark().line + 1);
      if (!fresh)
        sink.error(kv.first, "duplicate key '" + key + "' (first at line " + std::to_string(it->second) +
                                 "): YAML mappings take each key once");
    }
  }
}

// An Input's shape from Keras's spellings (batch_shape, batch_input_shape, input_shape) or its own `shape`.
void apply_declared_input(LayerDecl& decl, const std::optional<DeclaredInput>& declared,
                          DiagnosticSink& sink) {
  sink.set_layer(decl.name, "Input");
  if (declared) {
    if (!decl.args.get("shape").is_none())
      sink.error(declared->loc, "'" + declared->key + "' and 'shape' both give the input's shape: give one");
    else
      decl.args.set("shape", Value::int_list(declared->shape));
    if (declared->batch_size) {
      if (!decl.args.get("batch_size").is_none())
        sink.error(declared->loc,
                   "'" + declared->key + "' and 'batch_size' both give the batch size: give one");
      else
        decl.args.set("batch_size", Value::integer(*declared->batch_size));
    }
  } else if (decl.args.has("shape") && decl.args.get("shape").is_none()) {
    sink.error(decl.loc,
               "an input needs 'shape' (per sample, such as [28, 28]) or Keras's 'batch_shape' (the "
               "batch first, such as [null, 28, 28])");
  }
  sink.clear_layer();
}

// The layer's keys that its argument table does not parse.
std::set<std::string> reserved_keys(const LayerInfo& info, bool top_level, bool merge) {
  std::set<std::string> keys = input_keys(info);
  if (top_level) keys.insert(kLayerKeys.begin(), kLayerKeys.end());
  if (merge) keys.insert("mode");
  return keys;
}

void parse_layer(const YAML::Node& node, const Registry& registry, DiagnosticSink& sink, ModelSpec& spec,
                 std::map<std::string, int>& counters, std::optional<DeclaredInput>& declared) {
  LayerDecl decl;
  decl.loc = sink.loc(node);
  if (!node.IsMap()) {
    sink.error(node, "a layer is a mapping with at least 'type'");
    return;
  }
  YAML::Node type_node = node["type"].IsDefined() ? node["type"] : node["class_name"];
  if (!type_node.IsDefined() || !type_node.IsScalar()) {
    sink.error(node, "layer needs 'type' (a Keras layer name such as Dense)");
    return;
  }
  decl.type = type_node.Scalar();
  if (decl.type == "InputLayer") decl.type = "Input";
  const YAML::Node name_node = node["name"];
  if (name_node.IsDefined() && name_node.IsScalar() && !name_node.Scalar().empty())
    decl.name = name_node.Scalar();
  else
    decl.name = auto_name(decl.type, counters);
  sink.set_layer(decl.name, decl.type);
  // Keras 1's merge as the Keras 2 layer of its mode (named as the file names it: merge, merge_1...).
  const YAML::Node config = node["config"].IsDefined() && node["config"].IsMap() ? node["config"] : node;
  std::optional<MergeTranslation> merge;
  if (is_keras1_merge(decl.type)) {
    merge = translate_merge(config, registry, sink);
    if (!merge) {
      sink.clear_layer();
      return;
    }
    decl.type = merge->info->type;
  }
  decl.info = registry.find(decl.type);
  if (!decl.info) {
    std::string msg = "unknown layer type '" + decl.type + "'";
    const std::string near = nearest_name(decl.type, registry.types());
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    std::string known;
    for (const auto& t : registry.types()) known += (known.empty() ? "" : ", ") + t;
    sink.error(type_node, msg + " (known: " + known + ")");
    sink.clear_layer();
    return;
  }
  // Keras's serialised form keeps the arguments under `config`.
  decl.args =
      parse_args(config, merge ? merge->table : decl.info->args, merge ? merge->aliases : decl.info->aliases,
                 reserved_keys(*decl.info, config.is(node), merge.has_value()), sink);
  if (merge && merge->normalize) decl.args.set("normalize", Value::boolean(true));
  declared = read_declared_input(config, *decl.info, sink);
  if (decl.is_input()) {
    apply_declared_input(decl, declared, sink);
    sink.set_layer(decl.name, decl.type);
    declared.reset();
  }
  for (const auto& kv : config) decl.arg_locs.emplace_back(kv.first.Scalar(), sink.loc(kv.second));
  const YAML::Node trainable = node["trainable"];
  if (trainable.IsDefined()) {
    ArgSpec t = bool_arg("trainable", true, "");
    const Value v = parse_arg(trainable, t, sink);
    decl.trainable = v.is_none() ? true : v.b;
  }
  YAML::Node inputs = node["inputs"].IsDefined() ? node["inputs"] : node["inbound"];
  if (inputs.IsDefined() && !inputs.IsNull()) {
    if (decl.is_input()) sink.error(inputs, "an Input takes no inputs");
    decl.inputs = parse_refs(inputs, sink);
  }
  sink.clear_layer();
  spec.layers.push_back(std::move(decl));
}

void parse_inputs(const YAML::Node& node, const Registry& registry, DiagnosticSink& sink, ModelSpec& spec) {
  const LayerInfo* info = registry.find("Input");
  auto add = [&](const std::string& name, const YAML::Node& body, const YAML::Node& at) {
    LayerDecl decl;
    decl.name = name;
    decl.type = "Input";
    decl.info = info;
    decl.loc = sink.loc(at);
    sink.set_layer(name, "Input");
    if (!body.IsMap()) {
      sink.error(body, "an input is a mapping such as {shape: [28, 28], dtype: float32}");
    } else {
      std::set<std::string> reserved = input_keys(*info);
      reserved.insert("name");
      decl.args = parse_args(body, info->args, info->aliases, reserved, sink);
      apply_declared_input(decl, read_declared_input(body, *info, sink), sink);
    }
    sink.clear_layer();
    spec.layers.push_back(std::move(decl));
  };
  if (node.IsMap()) {
    for (const auto& kv : node) add(kv.first.Scalar(), kv.second, kv.first);
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      const YAML::Node name = item["name"];
      if (!name.IsDefined()) {
        sink.error(item, "an input needs a name");
        continue;
      }
      add(name.Scalar(), item, item);
    }
  } else {
    sink.error(node, "inputs: expected a mapping of input names to {shape, dtype}");
  }
}

// Keras's Sequential form: no `inputs`, the first layer says what it takes (input_shape, batch_input_shape,
// input_dim with input_length, or an Embedding's input_length). That input becomes the model's, named as
// Keras names it (`dense_input`). The same keys on any other layer are an error, as Keras refuses them.
void add_sequential_input(ModelSpec& spec, const std::vector<std::pair<size_t, DeclaredInput>>& declared,
                          const Registry& registry, DiagnosticSink& sink) {
  bool has_inputs = false;
  size_t first = spec.layers.size();
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    has_inputs = has_inputs || spec.layers[i].is_input();
    if (!spec.layers[i].is_input() && first == spec.layers.size()) first = i;
  }
  std::optional<DeclaredInput> input;
  for (const auto& [index, d] : declared) {
    const LayerDecl& layer = spec.layers[index];
    if (index == first && !has_inputs && layer.inputs.empty()) {
      input = d;
      continue;
    }
    sink.set_layer(layer.name, layer.type);
    sink.error(d.loc, "'" + d.key +
                          "' describes the model's input, so only the first layer of a model "
                          "without `inputs` takes it" +
                          (has_inputs ? " (this model declares its inputs)" : "") +
                          "; Keras refuses it on a later layer");
    sink.clear_layer();
  }
  if (has_inputs || first == spec.layers.size()) return;
  const LayerDecl& head = spec.layers[first];
  const bool embedding = head.type == "Embedding";
  if (!input && embedding && head.args.has("input_length") && !head.args.get("input_length").is_none()) {
    input = DeclaredInput{
        {head.args.integer("input_length")}, std::nullopt, head.arg_loc("input_length"), "input_length"};
  }
  if (!input) return;
  LayerDecl decl;
  decl.name = head.name + "_input";
  decl.type = "Input";
  decl.info = registry.find("Input");
  decl.loc = input->loc;
  decl.args = default_args(decl.info->args);
  decl.args.keras_version = head.args.keras_version;
  decl.args.set("dtype", Value::string(embedding ? "int32" : "float32"));
  apply_declared_input(decl, input, sink);
  spec.layers.insert(spec.layers.begin() + static_cast<std::ptrdiff_t>(first), std::move(decl));
}

void check_top_level_keys(const YAML::Node& root, DiagnosticSink& sink) {
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    bool known = false;
    for (const auto& k : kTopLevelKeys) known = known || k == key;
    if (known) continue;
    std::string msg = "unknown top-level key '" + key + "'";
    const std::string near = nearest_name(key, kTopLevelKeys);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    sink.error(kv.first, msg);
  }
}

Args parse_block(const YAML::Node& root, const char* key, const std::vector<ArgSpec>& table,
                 DiagnosticSink& sink) {
  const YAML::Node node = root[key];
  if (!node.IsDefined() || node.IsNull()) return default_args(table);
  if (!node.IsMap()) {
    sink.error(node, std::string(key) + ": expected a mapping");
    return default_args(table);
  }
  return parse_args(node, table, {}, {}, sink);
}

void parse_init_from(const YAML::Node& node, ModelSpec& spec, DiagnosticSink& sink) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    sink.error(node, "init_from: expected a list of {path: FILE, layers: {this_layer: file_layer, ...}}");
    return;
  }
  for (const auto& item : node) {
    InitFrom entry;
    entry.loc = sink.loc(item);
    // A missing key of a const node is an invalid node, whose Is...() throws: IsDefined() first.
    if (!item.IsMap() || !item["path"].IsDefined() || !item["path"].IsScalar()) {
      sink.error(item, "init_from: each entry needs 'path' (a weights file)");
      continue;
    }
    entry.path = item["path"].Scalar();
    for (const auto& kv : item) {
      const std::string key = kv.first.Scalar();
      if (key != "path" && key != "layers")
        sink.error(kv.first, "init_from: unknown key '" + key + "' (path, layers)");
    }
    const YAML::Node layers = item["layers"];
    if (!layers.IsDefined() || !layers.IsMap() || layers.size() == 0) {
      sink.error(item,
                 "init_from: 'layers' maps this model's layer names to the file's, e.g. {mf_user: mf_user}");
      continue;
    }
    for (const auto& kv : layers) {
      const std::string mine = kv.first.Scalar();
      if (!spec.find_layer(mine)) {
        std::vector<std::string> names;
        for (const auto& l : spec.layers) names.push_back(l.name);
        std::string msg = "init_from: '" + mine + "' is not a layer of this model";
        const std::string near = nearest_name(mine, names);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        sink.error(kv.first, msg);
        continue;
      }
      entry.layers[mine] = kv.second.Scalar();
    }
    spec.init_from.push_back(std::move(entry));
  }
}

}  // namespace

SourceLoc LayerDecl::arg_loc(const std::string& arg) const {
  for (const auto& [name, loc] : arg_locs)
    if (name == arg) return loc;
  return loc;
}

bool LayerDecl::execution_only(const std::string& arg) const {
  if (!info) return false;
  for (const auto& a : info->args)
    if (a.name == arg) return a.execution_only;
  return false;
}

const LayerDecl* ModelSpec::find_layer(const std::string& wanted) const {
  for (const auto& l : layers)
    if (l.name == wanted) return &l;
  return nullptr;
}

YAML::Node apply_override(YAML::Node& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError("--set expects key.path=value, got '" + assignment + "'");
  const std::string path = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw UsageError("--set " + path + ": the value is not valid YAML: " + e.msg);
  }
  std::vector<std::string> keys;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) keys.push_back(part);
  // yaml-cpp's Node::operator= writes into the document instead of rebinding, so walk with a list of handles.
  std::vector<YAML::Node> chain{root};
  for (size_t k = 0; k + 1 < keys.size(); ++k) {
    YAML::Node current = chain.back();
    if (keys[k] == "layers" && current["layers"].IsSequence()) {
      const YAML::Node layers = current["layers"];
      const std::string& wanted = keys[k + 1];
      bool found = false;
      for (size_t i = 0; i < layers.size() && !found; ++i)
        if (layers[i]["name"].IsDefined() && layers[i]["name"].Scalar() == wanted) {
          chain.push_back(layers[i]);
          found = true;
        }
      if (!found) throw UsageError("--set " + path + ": no layer named '" + wanted + "'");
      ++k;
      if (k + 1 >= keys.size()) break;
      continue;
    }
    if (current[keys[k]].IsScalar()) {
      // `optimizer: adam` becomes `{type: adam}` so `--set compile.optimizer.learning_rate=0.01` works.
      const std::string name = current[keys[k]].Scalar();
      current[keys[k]] = YAML::Node(YAML::NodeType::Map);
      current[keys[k]]["type"] = name;
    } else if (!current[keys[k]].IsDefined() || current[keys[k]].IsNull()) {
      current[keys[k]] = YAML::Node(YAML::NodeType::Map);
    } else if (!current[keys[k]].IsMap()) {
      throw UsageError("--set " + path + ": '" + keys[k] + "' is not a mapping");
    }
    chain.push_back(current[keys[k]]);
  }
  YAML::Node target = chain.back();
  if (target.IsDefined() && !target.IsNull() && !target.IsMap())
    throw UsageError("--set " + path + ": the parent of '" + keys.back() + "' is not a mapping");
  target[keys.back()] = value;
  return value;
}

namespace {

ModelSpec parse_document(const std::string& text, const std::string& file,
                         const std::vector<std::string>& overrides, const ConfigTables& tables) {
  const Registry& registry = tables.layers;
  DiagnosticSink sink(file);
  ModelSpec spec;
  spec.file = file;
  YamlDocuments documents;
  try {
    documents = read_yaml_documents(text);
  } catch (const YAML::ParserException& e) {
    sink.error(SourceLoc{file, e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg);
    sink.throw_if_errors();
  }
  if (documents.second_start)
    sink.error(SourceLoc{file, documents.second_start->line + 1, documents.second_start->column + 1},
               "a config is one YAML document; a second one starts here (remove the '---' line, or put the "
               "second model in a file of its own)");
  YAML::Node root = documents.first;
  if (!root.IsMap()) {
    // An empty file has no node to point at: its first line is where the mapping should start.
    const bool has_mark = root.IsDefined() && root.Mark().line >= 0;
    sink.error(has_mark ? sink.loc(root) : SourceLoc{file, 1, 1},
               "a config is a mapping with at least 'layers'");
    sink.throw_if_errors();
  }
  check_mapping_keys(root, sink);
  sink.throw_if_errors();
  for (const auto& o : overrides) sink.add_override(apply_override(root, o), o);
  // Before anything else: it selects the defaults the layers are parsed with.
  if (root["keras_version"].IsDefined()) {
    const Value v = parse_arg(root["keras_version"], at_most(int_arg("keras_version", 2, "", 1), 3), sink);
    if (!v.is_none()) spec.keras_version = static_cast<int>(v.i);
  } else {
    root["keras_version"] = spec.keras_version;  // recorded in the effective config
  }
  sink.set_keras_version(spec.keras_version);
  {
    YAML::Emitter echo;
    echo << root;
    spec.effective_config = std::string(echo.c_str()) + "\n";
  }
  check_top_level_keys(root, sink);

  if (root["name"].IsDefined() && root["name"].IsScalar()) spec.name = root["name"].Scalar();
  if (spec.name.empty()) {
    const auto slash = file.find_last_of('/');
    std::string base = slash == std::string::npos ? file : file.substr(slash + 1);
    spec.name = base.substr(0, base.find('.'));
  }
  if (root["seed"].IsDefined()) {
    const Value v = parse_arg(root["seed"], at_most(int_arg("seed", 0, "", 0), 9.2e18), sink);
    if (!v.is_none()) spec.seed = static_cast<uint64_t>(v.i);
  }
  if (root["threads"].IsDefined()) {
    const Value v = parse_arg(root["threads"], at_most(int_arg("threads", 0, "", 0), 1024), sink);
    if (!v.is_none()) spec.threads = static_cast<int>(v.i);
  }
  if (root["max_memory"].IsDefined()) {
    spec.max_memory_loc = sink.loc(root["max_memory"]);
    const auto bytes = parse_byte_size(root["max_memory"].IsScalar() ? root["max_memory"].Scalar() : "");
    if (!bytes)
      sink.error(
          root["max_memory"],
          "max_memory: expected a size of at least one byte, such as 4GB, 512MiB or a number of bytes");
    else
      spec.max_memory = *bytes;
  }
  if (root["inputs"].IsDefined()) parse_inputs(root["inputs"], registry, sink, spec);

  const YAML::Node layers = root["layers"];
  std::map<std::string, int> counters;
  std::set<std::string> input_reported;
  if (!layers.IsDefined()) {
    sink.error(root, "missing 'layers': the list of the model's layers");
  } else if (!layers.IsSequence()) {
    sink.error(layers, "layers: expected a list of layers");
  } else {
    std::vector<std::pair<size_t, DeclaredInput>> declared_inputs;
    for (const auto& node : layers) {
      std::optional<DeclaredInput> declared;
      const size_t before = sink.errors().size();
      parse_layer(node, registry, sink, spec, counters, declared);
      if (declared) declared_inputs.emplace_back(spec.layers.size() - 1, std::move(*declared));
      // A first layer whose input arguments were wrong was told so: "no input" would only repeat it.
      if (sink.errors().size() > before && !spec.layers.empty())
        input_reported.insert(spec.layers.back().name);
    }
    add_sequential_input(spec, declared_inputs, registry, sink);
  }

  // Names must be unique, so references are unambiguous.
  std::map<std::string, const LayerDecl*> by_name;
  for (const auto& l : spec.layers) {
    auto [it, fresh] = by_name.emplace(l.name, &l);
    if (!fresh) {
      sink.set_layer(l.name, l.type);
      sink.error(l.loc,
                 "the name '" + l.name + "' is already used at line " + std::to_string(it->second->loc.line));
      sink.clear_layer();
    }
  }

  // Sequential style: a layer without `inputs` takes the previous layer's output.
  const LayerDecl* previous = nullptr;
  size_t input_count = 0;
  for (const auto& l : spec.layers) input_count += l.is_input() ? 1 : 0;
  for (auto& l : spec.layers) {
    if (!l.is_input() && l.inputs.empty() && l.info && l.info->min_inputs > 0) {
      if (previous && !previous->is_input()) {
        l.inputs.push_back(InputRef{previous->name, 0, l.loc});
      } else if (input_count == 1) {
        for (const auto& m : spec.layers)
          if (m.is_input()) l.inputs.push_back(InputRef{m.name, 0, l.loc});
      } else if (!input_reported.count(l.name)) {
        sink.set_layer(l.name, l.type);
        sink.error(
            l.loc,
            input_count == 0
                ? "no input: declare the model's `inputs`, give this layer `inputs`, or give the first layer "
                  "input_shape as Keras's Sequential models do"
                : "several model inputs exist: say which with `inputs`");
        sink.clear_layer();
      }
    }
    previous = &l;
  }

  const YAML::Node outputs = root["outputs"];
  if (outputs.IsDefined() && !outputs.IsNull()) {
    spec.outputs = parse_refs(outputs, sink);
  } else if (!spec.layers.empty()) {
    spec.outputs.push_back(InputRef{spec.layers.back().name, 0, spec.layers.back().loc});
  }

  spec.compile = parse_block(root, "compile", tables.compile, sink);
  spec.fit = parse_block(root, "fit", tables.fit, sink);
  spec.data = parse_data_spec(root["data"], tables.data, sink);
  parse_init_from(root["init_from"], spec, sink);

  sink.warn_about_keras1_names();
  spec.warnings = sink.warnings();
  sink.throw_if_errors();
  return spec;
}

}  // namespace

ModelSpec parse_model_spec(const std::string& text, const std::string& file,
                           const std::vector<std::string>& overrides, const ConfigTables& tables) {
  try {
    return parse_document(text, file, overrides, tables);
  } catch (const YAML::Exception& e) {
    // yaml-cpp also throws while a parsed document is walked (keys it cannot read back): still one message.
    throw ConfigError({Diagnostic{
        SourceLoc{file, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1}, "",
        "", "YAML: " + e.msg}});
  }
}

ModelSpec load_model_spec(const std::string& path, const std::vector<std::string>& overrides,
                          const ConfigTables& tables) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({Diagnostic{SourceLoc{path, 0, 0}, "", "", "cannot open the config file"}});
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_model_spec(buffer.str(), path, overrides, tables);
}

}  // namespace yamlnet
