#include "interpreter/io/keras_files.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "interpreter/graph/model.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/hdf5_file.hpp"
#include "interpreter/io/keras_export.hpp"
#include "interpreter/io/keras_weight_layout.hpp"
#include "interpreter/io/zip_archive.hpp"

namespace yamlnet {

namespace {

using Json = nlohmann::ordered_json;

// The tf.keras and Keras 3 versions whose layouts these files follow.
constexpr const char* kKeras2Version = "2.15.0";
constexpr const char* kKeras3Version = "3.16.0";

// Each layer's parameters, by layer name, in the layer's (Keras's) order.
std::map<std::string, std::vector<ParamSlot>> slots_by_layer(Graph& model) {
  std::map<std::string, std::vector<ParamSlot>> out;
  for (const ParamSlot& slot : model.parameters())
    out[slot.key.substr(0, slot.key.find('/'))].push_back(slot);
  return out;
}

std::string inner_type(const LayerDecl& decl) {
  return decl.args.has("layer") ? decl.args.get("layer").s : "";
}

Json parse_json(const std::string& text, const std::string& source, const std::string& what) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw DataError(source, what + " is not JSON: " + e.what());
  }
}

// h5py splits an attribute too large for an object header into name0, name1...; Keras reads either.
std::vector<std::string> chunked_strings(const Hdf5File& file, const std::string& path,
                                         const std::string& attr) {
  if (file.has_attr(path, attr)) return file.strings(path, attr);
  std::vector<std::string> out;
  for (int chunk = 0; file.has_attr(path, attr + std::to_string(chunk)); ++chunk)
    for (auto& s : file.strings(path, attr + std::to_string(chunk))) out.push_back(std::move(s));
  return out;
}

// The tensors joined along their last axis (Keras 2's np.concatenate(..., axis=-1)).
Tensor join_last_axis(const std::vector<const Tensor*>& parts, const std::string& source,
                      const std::string& layer) {
  Shape shape = parts[0]->shape;
  const Index rows = parts[0]->size() / std::max<Index>(shape.back(), 1);
  Index width = 0;
  for (const Tensor* p : parts) {
    if (p->shape.size() != shape.size() || p->size() / std::max<Index>(p->shape.back(), 1) != rows)
      throw DataError(source, "layer '" + layer + "': Keras 1's gate weights differ in shape");
    width += p->shape.back();
  }
  shape.back() = width;
  Tensor out(shape);
  size_t at = 0;
  for (Index r = 0; r < rows; ++r)
    for (const Tensor* p : parts) {
      const Index w = p->shape.back();
      std::copy_n(p->data.begin() + r * w, w, out.data.begin() + static_cast<std::ptrdiff_t>(at));
      at += static_cast<size_t>(w);
    }
  return out;
}

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Keras 1 kept each gate's matrices apart (LSTM: i, c, f, o; GRU: z, r, h, each W, U, b); Keras 2's loader
// (preprocess_weights_for_loading) joins them into kernel, recurrent_kernel and bias, gates in i, f, c, o.
NamedTensors keras1_to_keras2(const std::string& type, const std::string& inner, NamedTensors weights,
                              const std::string& source, const std::string& layer) {
  if (type == "Bidirectional" || type == "TimeDistributed") {
    if (type == "TimeDistributed") return keras1_to_keras2(inner, "", std::move(weights), source, layer);
    const size_t half = weights.size() / 2;
    NamedTensors forward(weights.begin(), weights.begin() + static_cast<std::ptrdiff_t>(half));
    NamedTensors backward(weights.begin() + static_cast<std::ptrdiff_t>(half), weights.end());
    NamedTensors out = keras1_to_keras2(inner, "", std::move(forward), source, layer);
    for (auto& w : keras1_to_keras2(inner, "", std::move(backward), source, layer))
      out.push_back(std::move(w));
    return out;
  }
  std::vector<std::vector<int>> order;
  if (type == "LSTM" && weights.size() == 12) order = {{0, 6, 3, 9}, {1, 7, 4, 10}, {2, 8, 5, 11}};
  if (type == "GRU" && weights.size() == 9) order = {{0, 3, 6}, {1, 4, 7}, {2, 5, 8}};
  if (order.empty()) return weights;
  NamedTensors out;
  for (const auto& parts : order) {
    std::vector<const Tensor*> tensors;
    for (int k : parts) tensors.push_back(&weights[static_cast<size_t>(k)].second);
    out.emplace_back("", join_last_axis(tensors, source, layer));
  }
  return out;
}

std::string weight_base_name(const std::string& keras_name) {
  std::string name = keras_name.substr(keras_name.rfind('/') + 1);
  const size_t colon = name.rfind(':');
  return colon == std::string::npos ? name : name.substr(0, colon);
}

}  // namespace

bool looks_like_hdf5(const std::string& bytes) {
  static const std::string kSignature("\x89HDF\r\n\x1a\n", 8);
  // The superblock may follow a user block of 512, 1024, 2048... bytes.
  for (size_t at = 0; at + kSignature.size() <= bytes.size() && at <= 65536; at = at ? at * 2 : 512)
    if (bytes.compare(at, kSignature.size(), kSignature) == 0) return true;
  return false;
}

bool looks_like_zip(const std::string& bytes) {
  return bytes.compare(0, 4, "PK\x03\x04") == 0 || bytes.compare(0, 4, "PK\x05\x06") == 0;
}

void write_keras_h5(Model& model, const std::string& path) {
  const Json topology = keras_topology(model, KerasForm::Keras2);
  const Json model_config{{"class_name", topology["class_name"]}, {"config", topology["config"]}};
  Hdf5File file = Hdf5File::create(path);
  // Attribute types as h5py stores Keras's values: str as variable-length UTF-8, bytes as fixed length.
  file.set_string("", "keras_version", kKeras2Version, true);
  file.set_string("", "backend", "tensorflow", true);
  file.set_string("", "model_config", model_config.dump(), false);
  file.create_group("model_weights");
  std::vector<std::string> layer_names;
  for (const Node& node : model.nodes()) layer_names.push_back(node.layer->name());
  file.set_strings("model_weights", "layer_names", layer_names);
  file.set_string("model_weights", "backend", "tensorflow", false);
  file.set_string("model_weights", "keras_version", kKeras2Version, false);
  auto slots = slots_by_layer(model);
  for (const Node& node : model.nodes()) {
    const std::string group = "model_weights/" + node.layer->name();
    file.create_group(group);
    std::vector<std::string> names;
    for (const ParamSlot& slot : slots[node.layer->name()]) {
      const std::string name =
          node.decl ? keras2_weight_name(slot.key, node.decl->type, inner_type(*node.decl)) : slot.key + ":0";
      names.push_back(name);
      file.write_float32(group + "/" + name, slot.param->value);
    }
    file.set_strings(group, "weight_names", names);
  }
  write_file_atomically(path, file.image());
}

void write_keras_archive(Model& model, const std::string& path) {
  const Json config = keras_topology(model, KerasForm::Keras3);
  const std::string weights_name = "model.weights.h5";
  Hdf5File file = Hdf5File::create(path + ":" + weights_name);
  // saving_lib makes a vars group for the model and for each layer, named in a `name` attribute.
  file.create_group("vars");
  file.set_string("vars", "name", model.spec().name, true);
  auto slots = slots_by_layer(model);
  for (const Keras3Layer& layer : keras3_layers(config, path)) {
    const std::string own = layer.path + "/vars";
    file.create_group(own);
    file.set_string(own, "name", layer.name, true);
    for (const auto& g : layer.groups) file.create_group(g);
    std::vector<int> next(layer.groups.size(), 0);
    for (const ParamSlot& slot : slots[layer.name]) {
      const size_t g = keras3_group_of(slot.key, layer);
      file.write_float32(layer.groups[g] + "/" + std::to_string(next[g]++), slot.param->value);
    }
  }
  const Json metadata{{"keras_version", kKeras3Version}};
  const ZipEntries entries{
      {"metadata.json", metadata.dump()}, {"config.json", config.dump()}, {weights_name, file.image()}};
  write_file_atomically(path, write_zip(entries, path));
}

KerasModelFile read_keras_h5(const std::string& bytes, const std::string& source) {
  const Hdf5File file = Hdf5File::open_image(bytes, source);
  if (!file.has_attr("", "model_config"))
    throw DataError(source,
                    "an HDF5 file without a model_config attribute: not a Keras model (a save_weights file "
                    "holds weights only; import the model's JSON or a file from model.save)");
  KerasModelFile out;
  out.topology = parse_json(file.string("", "model_config"), source, "the model_config attribute");
  if (!out.topology.is_object()) throw DataError(source, "the model_config attribute is not a Keras model");
  const std::string weights_root = file.is_group("model_weights") ? "model_weights" : "";
  if (file.has_attr("", "keras_version"))
    out.keras_version = file.string("", "keras_version");
  else if (file.has_attr(weights_root, "keras_version"))
    out.keras_version = file.string(weights_root, "keras_version");
  if (!out.keras_version.empty()) out.topology["keras_version"] = out.keras_version;
  out.description = "a Keras " +
                    (out.keras_version.empty() ? std::string("2") : out.keras_version.substr(0, 1)) +
                    " .h5 model";
  for (const std::string& layer : chunked_strings(file, weights_root, "layer_names")) {
    const std::string group = (weights_root.empty() ? "" : weights_root + "/") + layer;
    if (!file.is_group(group))
      throw DataError(source, "layer_names lists '" + layer + "', which has no group");
    KerasLayerWeights entry{layer, {}};
    for (const std::string& name : chunked_strings(file, group, "weight_names"))
      entry.weights.emplace_back(name, file.read_tensor(group + "/" + name));
    out.layers.push_back(std::move(entry));
  }
  return out;
}

KerasModelFile read_keras_archive(const std::string& bytes, const std::string& source) {
  const ZipEntries entries = read_zip(bytes, source);
  const std::string* config = nullptr;
  const std::string* metadata = nullptr;
  const std::string* weights = nullptr;
  for (const auto& [name, contents] : entries) {
    if (name == "config.json") config = &contents;
    if (name == "metadata.json") metadata = &contents;
    if (name == "model.weights.h5") weights = &contents;
  }
  if (!config) throw DataError(source, "a zip archive without config.json: not a .keras model");
  KerasModelFile out;
  out.topology = parse_json(*config, source, "config.json");
  if (!out.topology.is_object()) throw DataError(source, "config.json is not a Keras model");
  out.keras_version = "3";
  if (metadata) {
    const Json meta = parse_json(*metadata, source, "metadata.json");
    if (meta.is_object() && meta.contains("keras_version") && meta["keras_version"].is_string())
      out.keras_version = meta["keras_version"];
  }
  out.topology["keras_version"] = out.keras_version;
  out.description = "a Keras 3 .keras model";
  if (!weights) throw DataError(source, "a .keras archive without model.weights.h5");
  const Hdf5File file = Hdf5File::open_image(*weights, source + ":model.weights.h5");
  for (const Keras3Layer& layer : keras3_layers(out.topology, source)) {
    KerasLayerWeights entry{layer.name, {}};
    for (const std::string& group : layer.groups) {
      if (!file.is_group(group)) continue;  // Keras writes no group for a layer without variables
      const std::vector<std::string> vars = file.children(group);
      for (size_t i = 0; i < vars.size(); ++i) {
        const std::string index = std::to_string(i);
        if (std::find(vars.begin(), vars.end(), index) == vars.end())
          throw DataError(source, "model.weights.h5: '" + group + "' holds " + std::to_string(vars.size()) +
                                      " entries but no '" + index + "'");
        entry.weights.emplace_back("", file.read_tensor(group + "/" + index));
      }
    }
    out.layers.push_back(std::move(entry));
  }
  return out;
}

ImportedWeights keras_file_weights(Graph& model, const KerasModelFile& file, const std::string& source) {
  const bool keras1 = file.keras_version.rfind('1', 0) == 0;
  std::map<std::string, const LayerDecl*> decls;
  for (const Node& node : model.nodes())
    if (node.decl) decls[node.layer->name()] = node.decl;
  auto slots = slots_by_layer(model);
  ImportedWeights out;
  std::string problems;
  auto note = [&](const std::string& text) { problems += (problems.empty() ? "" : "; ") + text; };
  std::set<std::string> seen;
  for (const KerasLayerWeights& layer : file.layers) {
    if (layer.weights.empty()) continue;
    if (!seen.insert(layer.layer).second) {
      note("layer '" + layer.layer + "' appears twice in the file");
      continue;
    }
    const auto decl = decls.find(layer.layer);
    if (decl == decls.end()) {  // reported by assign_imported_weights as weights no layer takes
      for (const auto& [name, value] : layer.weights)
        out.tensors.emplace_back(layer.layer + "/" + name, value);
      continue;
    }
    NamedTensors weights = layer.weights;
    if (keras1)
      weights = keras1_to_keras2(decl->second->type, inner_type(*decl->second), std::move(weights), source,
                                 layer.layer);
    const std::vector<ParamSlot>& own = slots[layer.layer];
    if (weights.size() != own.size()) {
      note("layer '" + layer.layer + "' has " + std::to_string(weights.size()) + " weights in the file and " +
           std::to_string(own.size()) + " in the model");
      continue;
    }
    for (size_t i = 0; i < own.size(); ++i) {
      const std::string ours = weight_base_name(own[i].key);
      // Keras 1's names (dense_1_W) and a .keras file's (vars/0) say nothing to check.
      if (!keras1 && !weights[i].first.empty() && weight_base_name(weights[i].first) != ours)
        note("layer '" + layer.layer + "': the file's weight " + std::to_string(i) + " is '" +
             weights[i].first + "' where the model has '" + ours + "'");
      out.tensors.emplace_back(own[i].key, std::move(weights[i].second));
    }
  }
  if (!problems.empty()) throw DataError(source, problems);
  return out;
}

}  // namespace yamlnet
