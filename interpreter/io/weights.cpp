#include "interpreter/io/weights.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "interpreter/graph/graph.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/sha256.hpp"
#include "interpreter/io/weights_stream.hpp"

namespace yamlnet {

namespace {

constexpr const char* kFormat = "yamlnet.weights";
constexpr int kFormatVersion = 1;

// format_float without a temporary string per value: the writer's inner loop (10M values for a large model).
void append_float(std::string& out, float value) {
  if (!std::isfinite(value)) {
    out += format_float(value);
    return;
  }
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, res.ptr);
}

void write_nested(std::string& out, const Real* data, const Shape& shape, size_t dim, Index offset,
                  const std::string& indent) {
  const Index stride = shape_size(Shape(shape.begin() + static_cast<long>(dim) + 1, shape.end()));
  out += '[';
  for (Index i = 0; i < shape[dim]; ++i) {
    if (dim + 1 == shape.size()) {
      if (i > 0) out += ", ";
      append_float(out, static_cast<float>(data[offset + i]));
    } else {
      if (i > 0) out += ",\n" + indent + std::string(dim + 1, ' ');
      write_nested(out, data, shape, dim + 1, offset + i * stride, indent);
    }
  }
  out += ']';
}

}  // namespace

std::string format_float(float value) {
  if (std::isnan(value)) return "\"NaN\"";
  if (std::isinf(value)) return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, res.ptr);
}

std::string spec_sha256(const ModelSpec& spec) {
  nlohmann::ordered_json j;
  j["inputs"] = nlohmann::ordered_json::array();
  j["layers"] = nlohmann::ordered_json::array();
  for (const auto& l : spec.layers) {
    nlohmann::ordered_json layer;
    layer["name"] = l.name;
    layer["type"] = l.type;
    std::vector<std::string> refs;
    for (const auto& r : l.inputs) refs.push_back(r.layer + ":" + std::to_string(r.index));
    layer["inputs"] = refs;
    for (const auto& [key, value] : l.args.items())
      if (!l.execution_only(key.str())) layer["args"][key.str()] = value.to_string();
    layer["trainable"] = l.trainable;
    j["layers"].push_back(layer);
  }
  std::vector<std::string> outs;
  for (const auto& o : spec.outputs) outs.push_back(o.layer + ":" + std::to_string(o.index));
  j["outputs"] = outs;
  return sha256_hex(j.dump());
}

namespace {

// Pieces of about this size go to the writer: large enough for few write calls, small enough that a
// 100 MB file never sits whole in memory.
constexpr size_t kChunkBytes = size_t{1} << 20;

// The file's text in pieces, in the order of the file.
void write_weights_json(Graph& model, const ChunkWriter& write) {
  std::string out;
  out.reserve(kChunkBytes + 65536);
  auto flush_if_full = [&] {
    if (out.size() < kChunkBytes) return;
    write(out);
    out.clear();
  };
  out += "{\n";
  out += "  \"format\": \"" + std::string(kFormat) + "\",\n";
  out += "  \"format_version\": " + std::to_string(kFormatVersion) + ",\n";
  out += "  \"model\": " + nlohmann::json(model.spec().name).dump() + ",\n";
  out += "  \"spec_sha256\": \"" + spec_sha256(model.spec()) + "\",\n";
  out += "  \"weights\": {";
  bool first = true;
  for (const auto& slot : model.parameters()) {
    const Parameter& p = *slot.param;
    out += first ? "\n" : ",\n";
    first = false;
    out += "    " + nlohmann::json(slot.key).dump() + ": {\"shape\": [";
    for (size_t d = 0; d < p.shape.size(); ++d) out += (d ? ", " : "") + std::to_string(p.shape[d]);
    out += "], \"dtype\": \"float32\", \"data\": ";
    if (p.shape.size() <= 1) {
      write_nested(out, p.value.ptr(), p.shape.empty() ? Shape{1} : p.shape, 0, 0, "");
    } else {
      out += "[\n      ";
      const Index rows = p.shape[0];
      const Shape row_shape(p.shape.begin() + 1, p.shape.end());
      const Index stride = shape_size(row_shape);
      for (Index r = 0; r < rows; ++r) {
        if (r > 0) out += ",\n      ";
        write_nested(out, p.value.ptr() + r * stride, row_shape, 0, 0, "      ");
        flush_if_full();
      }
      out += "]";
    }
    out += "}";
    flush_if_full();
  }
  out += "\n  }\n}\n";
  write(out);
}

}  // namespace

std::string weights_to_json(Graph& model) {
  std::string text;
  write_weights_json(model, [&](std::string_view piece) { text += piece; });
  return text;
}

void save_weights(Graph& model, const std::string& path) {
  write_file_atomically(path, [&](const ChunkWriter& write) { write_weights_json(model, write); });
}

std::vector<std::string> load_weights_from_text(Graph& model, std::string_view text,
                                                const std::string& path) {
  return load_weights_from_text(model, text, path, nullptr);
}

namespace {

// The checks every reader needs once the file is read: a JSON object, the format's name and version, weights.
void check_header(const WeightsHeader& h, const std::string& path) {
  if (!h.is_object || !h.format.is_string() || h.format != kFormat)
    throw WeightsError(path + ": not a yamlnet weights file (\"format\" should be \"" + kFormat + "\")");
  if (!h.format_version.is_number_integer() || h.format_version != kFormatVersion)
    throw WeightsError(path + ": format_version " +
                       (h.format_version.is_null() ? "missing" : h.format_version.dump()) +
                       " is not supported (this build reads " + std::to_string(kFormatVersion) + ")");
  if (!h.has_weights) throw WeightsError(path + ": no \"weights\" object");
}

// Every tensor of the file, in file order, for tools that read weights without a model.
class FileTensors : public TensorVisitor {
 public:
  std::vector<Real>* target(const TensorEntry& entry) override {
    for (const auto& t : tensors)
      if (t.name == entry.key) return note("tensor '" + entry.key + "' appears twice");
    if (!entry.shape_valid) return note("tensor '" + entry.key + "' has no valid \"shape\"");
    tensors.push_back({entry.key, entry.shape, {}});
    return &tensors.back().data;
  }
  void done(const TensorEntry& entry, const std::string& problem) override {
    if (!problem.empty()) note("tensor '" + entry.key + "': " + problem);
  }
  std::vector<WeightsTensor> tensors;
  std::string first_problem;

 private:
  std::vector<Real>* note(const std::string& problem) {
    if (first_problem.empty()) first_problem = problem;
    return nullptr;
  }
};

// The model's parameters (or, for init_from, the mapped layers' ones) matched against the file's tensors.
class ModelTensors : public TensorVisitor {
 public:
  ModelTensors(Graph& model, const std::map<std::string, std::string>* layer_map) : layer_map_(layer_map) {
    for (const auto& slot : model.parameters()) {
      std::string source = slot.key;
      if (layer_map) {
        // init_from: only the mapped layers, read under their old names ("new/kernel" <- "old/kernel").
        const auto slash = slot.key.find('/');
        const auto it = layer_map->find(slot.key.substr(0, slash));
        if (it == layer_map->end()) continue;
        source = it->second + slot.key.substr(slash);
      }
      by_source_[source] = slots.size();
      slots.push_back(slot);
      sources.push_back(source);
    }
    values.resize(slots.size());
    problems.resize(slots.size());
    visited_.resize(slots.size(), false);
  }

  std::vector<Real>* target(const TensorEntry& entry) override {
    const auto it = by_source_.find(entry.key);
    if (it == by_source_.end()) {
      // init_from reads some layers of a file; the rest of the file is no error.
      if (!layer_map_) unexpected.push_back(entry.key);
      return nullptr;
    }
    const size_t i = it->second;
    if (visited_[i]) {
      problems[i] = "tensor '" + entry.key + "' appears twice";
      return nullptr;
    }
    visited_[i] = true;
    const Shape needed = full_shape(*slots[i].param);
    if (entry.shape != needed) {
      problems[i] = "tensor '" + entry.key + "' has shape " + shape_to_string(entry.shape, false) + ", " +
                    (entry.key == slots[i].key ? std::string("the model") : "'" + slots[i].key + "'") +
                    " needs " + shape_to_string(needed, false);
      return nullptr;
    }
    return &values[i];
  }
  void done(const TensorEntry& entry, const std::string& problem) override {
    if (!problem.empty()) problems[by_source_.at(entry.key)] = "tensor '" + entry.key + "': " + problem;
  }

  // Every problem, in the model's parameter order, then the file's extra tensors.
  std::vector<std::string> all_problems() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < slots.size(); ++i) {
      if (!visited_[i])
        out.push_back("missing tensor '" + sources[i] + "' " +
                      shape_to_string(full_shape(*slots[i].param), false));
      else if (!problems[i].empty())
        out.push_back(problems[i]);
    }
    for (const auto& key : unexpected)
      out.push_back("unexpected tensor '" + key + "' (no such layer weight in the model)");
    return out;
  }

  std::vector<ParamSlot> slots;
  std::vector<std::string> sources;  // the key read for each slot
  std::vector<std::vector<Real>> values;
  std::vector<std::string> problems;
  std::vector<std::string> unexpected;

 private:
  const std::map<std::string, std::string>* layer_map_;
  std::map<std::string, size_t> by_source_;
  std::vector<bool> visited_;
};

}  // namespace

WeightsFile read_weights_file(const std::string& path) {
  try {
    const MappedFile file(path);
    return parse_weights_file(file.text(), path);
  } catch (const WeightsError&) {
    throw;
  } catch (const Error& e) {
    throw WeightsError(e.what());
  }
}

WeightsFile parse_weights_file(std::string_view text, const std::string& path) {
  FileTensors visitor;
  const WeightsHeader header = read_weights_stream(text, path, visitor);
  check_header(header, path);
  if (!visitor.first_problem.empty()) throw WeightsError(path + ": " + visitor.first_problem);
  WeightsFile file;
  file.model = header.model.is_string() ? header.model.get<std::string>() : "";
  file.tensors = std::move(visitor.tensors);
  return file;
}

std::vector<std::string> load_weights_from_text(Graph& model, std::string_view text, const std::string& path,
                                                const std::map<std::string, std::string>* layer_map) {
  ModelTensors visitor(model, layer_map);
  const WeightsHeader header = read_weights_stream(text, path, visitor);
  check_header(header, path);
  const auto problems = visitor.all_problems();
  if (!problems.empty()) {
    std::string message = path + ": does not fit model '" + model.spec().name + "':";
    for (const auto& p : problems) message += "\n  " + p;
    throw WeightsError(message);
  }
  for (size_t i = 0; i < visitor.slots.size(); ++i) {
    Parameter& p = *visitor.slots[i].param;
    const std::vector<Real>& values = visitor.values[i];
    // A table split across processes takes its own rows of the file's.
    const auto [begin, end] = own_values(p);
    p.value.data.assign(values.begin() + begin, values.begin() + end);
  }
  std::vector<std::string> warnings;
  if (header.spec_sha256 != spec_sha256(model.spec()))
    warnings.push_back(path +
                       ": written for a different version of the model's architecture (spec_sha256 differs)");
  return warnings;
}

std::vector<std::string> load_weights(Graph& model, const std::string& path) {
  std::optional<MappedFile> file;
  try {
    file.emplace(path);
  } catch (const Error& e) {
    throw WeightsError(e.what());
  }
  return load_weights_from_text(model, file->text(), path);
}

}  // namespace yamlnet
