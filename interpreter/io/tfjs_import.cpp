#include "interpreter/io/tfjs_import.hpp"

#include <cstring>
#include <filesystem>
#include <map>

#include "interpreter/graph/graph.hpp"
#include "interpreter/io/atomic_file.hpp"

namespace yamlnet {

ImportedWeights read_tfjs_weights(const nlohmann::ordered_json& model_json,
                                  const std::string& model_json_path) {
  const std::filesystem::path folder = std::filesystem::path(model_json_path).parent_path();
  ImportedWeights out;
  if (!model_json.contains("weightsManifest")) return out;
  for (const auto& group : model_json["weightsManifest"]) {
    // A group's shards are one buffer cut into files; its weights follow each other in it.
    std::string bytes;
    for (const auto& shard : group.at("paths"))
      bytes += read_file((folder / shard.get<std::string>()).string());
    size_t offset = 0;
    for (const auto& spec : group.at("weights")) {
      const std::string name = spec.at("name");
      const std::string dtype = spec.value("dtype", "float32");
      if (dtype != "float32")
        throw DataError(model_json_path,
                        "weight '" + name + "' is " + dtype + "; yamlnet reads float32 weights");
      Shape shape;
      for (const auto& d : spec.at("shape")) shape.push_back(d.get<Index>());
      Tensor value(shape);
      const size_t size = static_cast<size_t>(value.size()) * sizeof(float);
      if (offset + size > bytes.size())
        throw DataError(model_json_path, "the shards end before weight '" + name + "' (" +
                                             std::to_string(bytes.size()) + " bytes for the group)");
      for (Index i = 0; i < value.size(); ++i) {
        float f;
        std::memcpy(&f, bytes.data() + offset + static_cast<size_t>(i) * sizeof f, sizeof f);
        value.data[static_cast<size_t>(i)] = static_cast<Real>(f);
      }
      offset += size;
      out.tensors.emplace_back(name, std::move(value));
    }
  }
  return out;
}

void assign_imported_weights(Graph& model, const ImportedWeights& weights, const std::string& source) {
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, value] : weights.tensors) by_name[name] = &value;
  std::string problems;
  auto note = [&](const std::string& text) { problems += (problems.empty() ? "" : "; ") + text; };
  for (const ParamSlot& slot : model.parameters()) {
    const auto found = by_name.find(slot.key);
    if (found == by_name.end()) {
      note("no weight '" + slot.key + "'");
      continue;
    }
    const Tensor& value = *found->second;
    if (value.shape != slot.param->value.shape)
      note("weight '" + slot.key + "' is " + shape_to_string(value.shape, false) + ", the model's " +
           shape_to_string(slot.param->value.shape, false));
    else
      slot.param->value.data = value.data;
    by_name.erase(found);
  }
  for (const auto& [name, value] : by_name) note("weight '" + name + "' belongs to no layer of the model");
  if (!problems.empty()) throw DataError(source, problems);
}

}  // namespace yamlnet
