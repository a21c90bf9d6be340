#include "interpreter/io/weights.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "interpreter/graph/model.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/sha256.hpp"

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
    for (const auto& [key, value] : l.args.items()) layer["args"][key] = value.to_string();
    layer["trainable"] = l.trainable;
    j["layers"].push_back(layer);
  }
  std::vector<std::string> outs;
  for (const auto& o : spec.outputs) outs.push_back(o.layer + ":" + std::to_string(o.index));
  j["outputs"] = outs;
  return sha256_hex(j.dump());
}

std::string weights_to_json(Model& model) {
  std::string out;
  // About 12 characters per value: grow once instead of doubling through a large model's file.
  Index values = 0;
  for (const auto& slot : model.parameters()) values += slot.param->value.size();
  out.reserve(static_cast<size_t>(values) * 12 + 4096);
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
      }
      out += "]";
    }
    out += "}";
  }
  out += "\n  }\n}\n";
  return out;
}

void save_weights(Model& model, const std::string& path) {
  write_file_atomically(path, weights_to_json(model));
}

namespace {

// Flattens nested arrays into `out`; false when a value is not a finite number or the nesting is ragged.
bool flatten(const nlohmann::json& j, const Shape& shape, size_t dim, std::vector<Real>& out,
             std::string& problem) {
  if (dim == shape.size()) {
    if (!j.is_number()) {
      problem = j.is_string() ? "holds the non-finite value " + j.get<std::string>() : "holds a non-number";
      return false;
    }
    out.push_back(static_cast<Real>(j.get<double>()));
    return true;
  }
  if (!j.is_array() || static_cast<Index>(j.size()) != shape[dim]) {
    problem = "data does not match its shape at depth " + std::to_string(dim);
    return false;
  }
  for (const auto& item : j)
    if (!flatten(item, shape, dim + 1, out, problem)) return false;
  return true;
}

}  // namespace

std::vector<std::string> load_weights_from_text(Model& model, const std::string& text,
                                                const std::string& path) {
  return load_weights_from_text(model, text, path, nullptr);
}

namespace {

// The parsed file after the checks every reader needs: JSON, format name and version, a weights object.
template <class Json>
Json parse_weights_json(const std::string& text, const std::string& path) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const nlohmann::json::out_of_range& e) {
    throw WeightsError(path + ": a number is out of range (" + e.what() + ")");
  } catch (const nlohmann::json::parse_error& e) {
    // file:line:col of the byte where parsing failed (a truncated file fails at its end).
    const size_t at = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const size_t line =
        1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    const size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
    const size_t column = line_start == std::string::npos || at == 0 ? at + 1 : at - line_start;
    throw WeightsError(path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": not valid JSON" +
                       (text.empty() ? " (the file is empty)" : ""));
  }
  if (!j.is_object() || !j.contains("format") || !j["format"].is_string() || j["format"] != kFormat)
    throw WeightsError(path + ": not a yamlnet weights file (\"format\" should be \"" + kFormat + "\")");
  if (!j.contains("format_version") || !j["format_version"].is_number_integer() ||
      j["format_version"] != kFormatVersion)
    throw WeightsError(path + ": format_version " +
                       (j.contains("format_version") ? j["format_version"].dump() : "missing") +
                       " is not supported (this build reads " + std::to_string(kFormatVersion) + ")");
  if (!j.contains("weights") || !j["weights"].is_object())
    throw WeightsError(path + ": no \"weights\" object");
  return j;
}

}  // namespace

WeightsFile read_weights_file(const std::string& path) {
  return parse_weights_file(read_file(path), path);
}

namespace {

WeightsFile parse_checked_weights_file(const std::string& text, const std::string& path) {
  const auto j = parse_weights_json<nlohmann::ordered_json>(text, path);
  WeightsFile file;
  file.model = j.value("model", "");
  for (const auto& [key, entry] : j["weights"].items()) {
    WeightsTensor t;
    t.name = key;
    bool ok = entry.is_object() && entry.contains("shape") && entry["shape"].is_array();
    if (ok)
      for (const auto& d : entry["shape"]) {
        ok = ok && d.is_number_integer() && d.get<Index>() >= 0;
        t.shape.push_back(ok ? d.get<Index>() : 0);
      }
    if (!ok) throw WeightsError(path + ": tensor '" + key + "' has no valid \"shape\"");
    std::string problem;
    const Shape walk = t.shape.empty() ? Shape{1} : t.shape;
    // flatten works on nlohmann::json; the values are small next to the file, so convert per tensor.
    if (!entry.contains("data") ||
        !flatten(nlohmann::json::parse(entry["data"].dump()), walk, 0, t.data, problem))
      throw WeightsError(path + ": tensor '" + key + "': " + (problem.empty() ? "no data" : problem));
    file.tensors.push_back(std::move(t));
  }
  return file;
}

}  // namespace

WeightsFile parse_weights_file(const std::string& text, const std::string& path) {
  try {
    return parse_checked_weights_file(text, path);
  } catch (const nlohmann::json::exception& e) {  // a value of an unexpected kind deep inside
    throw WeightsError(path + ": " + e.what());
  }
}

namespace {

std::vector<std::string> load_checked_weights(Model& model, const std::string& text, const std::string& path,
                                              const std::map<std::string, std::string>* layer_map) {
  const auto j = parse_weights_json<nlohmann::json>(text, path);
  const auto& weights = j["weights"];
  std::vector<std::string> problems;
  std::vector<std::vector<Real>> values;
  std::vector<ParamSlot> slots;
  std::vector<std::string> sources;  // the key read for each slot
  for (const auto& slot : model.parameters()) {
    if (!layer_map) {
      slots.push_back(slot);
      sources.push_back(slot.key);
      continue;
    }
    // init_from: only the mapped layers, read under their old names ("new/kernel" <- "old/kernel").
    const auto slash = slot.key.find('/');
    const auto it = layer_map->find(slot.key.substr(0, slash));
    if (it == layer_map->end()) continue;
    slots.push_back(slot);
    sources.push_back(it->second + slot.key.substr(slash));
  }
  for (size_t s = 0; s < slots.size(); ++s) {
    const ParamSlot& slot = slots[s];
    const std::string& key = sources[s];
    const Parameter& p = *slot.param;
    std::vector<Real> flat;
    if (!weights.contains(key)) {
      problems.push_back("missing tensor '" + key + "' " + shape_to_string(p.shape, false));
      values.push_back({});
      continue;
    }
    const auto& entry = weights[key];
    Shape shape;
    if (entry.is_object() && entry.contains("shape") && entry["shape"].is_array())
      for (const auto& d : entry["shape"]) shape.push_back(d.is_number_integer() ? d.get<Index>() : -1);
    if (shape != p.shape) {
      problems.push_back("tensor '" + key + "' has shape " + shape_to_string(shape, false) + ", " +
                         (key == slot.key ? std::string("the model") : "'" + slot.key + "'") + " needs " +
                         shape_to_string(p.shape, false));
      values.push_back({});
      continue;
    }
    std::string problem;
    flat.reserve(static_cast<size_t>(p.value.size()));
    const Shape walk = p.shape.empty() ? Shape{1} : p.shape;
    if (!entry.contains("data") || !flatten(entry["data"], walk, 0, flat, problem)) {
      problems.push_back("tensor '" + key + "': " + (problem.empty() ? "no data" : problem));
      values.push_back({});
      continue;
    }
    values.push_back(std::move(flat));
  }
  for (const auto& item : weights.items()) {
    if (layer_map) break;  // init_from reads some layers of a file; the rest of the file is no error
    bool known = false;
    for (const auto& slot : slots) known = known || slot.key == item.key();
    if (!known)
      problems.push_back("unexpected tensor '" + item.key() + "' (no such layer weight in the model)");
  }
  if (!problems.empty()) {
    std::string message = path + ": does not fit model '" + model.spec().name + "':";
    for (const auto& p : problems) message += "\n  " + p;
    throw WeightsError(message);
  }
  for (size_t i = 0; i < slots.size(); ++i)
    slots[i].param->value.data.assign(values[i].begin(), values[i].end());
  std::vector<std::string> warnings;
  if (j.value("spec_sha256", "") != spec_sha256(model.spec()))
    warnings.push_back(path +
                       ": written for a different version of the model's architecture (spec_sha256 differs)");
  return warnings;
}

}  // namespace

std::vector<std::string> load_weights_from_text(Model& model, const std::string& text,
                                                const std::string& path,
                                                const std::map<std::string, std::string>* layer_map) {
  try {
    return load_checked_weights(model, text, path, layer_map);
  } catch (const nlohmann::json::exception& e) {  // a value of an unexpected kind deep inside
    throw WeightsError(path + ": " + e.what());
  }
}

std::vector<std::string> load_weights(Model& model, const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    throw WeightsError(e.what());
  }
  return load_weights_from_text(model, text, path);
}

}  // namespace yamlnet
