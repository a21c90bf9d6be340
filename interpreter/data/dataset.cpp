#include "interpreter/data/dataset.hpp"

#include <cmath>

#include "interpreter/data/sources.hpp"
#include "interpreter/data/text_fields.hpp"
#include "interpreter/graph/graph.hpp"
#include "interpreter/spec/diagnostics.hpp"
#include "layers/core/input_layer.hpp"

namespace yamlnet {

std::string DataArray::where(Index row) const {
  if (!lines.empty()) return file + ":" + std::to_string(lines[static_cast<size_t>(row)]);
  return file + ": sample " + std::to_string(row);
}

namespace {

DataArray cut_rows(const DataArray& a, Index begin, Index end) {
  DataArray b;
  b.name = a.name;
  b.file = a.file;
  if (a.values.empty()) return b;
  const Index row = a.values.row_size();
  Shape shape = a.values.shape;
  shape[0] = end - begin;
  b.values.resize(shape);
  std::copy(a.values.data.begin() + begin * row, a.values.data.begin() + end * row, b.values.data.begin());
  if (!a.lines.empty()) b.lines.assign(a.lines.begin() + begin, a.lines.begin() + end);
  return b;
}

}  // namespace

Dataset Dataset::slice(Index begin, Index end) const {
  auto cut = [&](const std::vector<DataArray>& arrays) {
    std::vector<DataArray> out;
    for (const auto& a : arrays) out.push_back(cut_rows(a, begin, end));
    return out;
  };
  return Dataset{cut(inputs), cut(targets), cut_rows(sample_weights, begin, end)};
}

namespace {

// The data key of Keras's per-sample loss weights (fit's sample_weight).
constexpr const char* kSampleWeightKey = "sample_weight";

// Which model input or output a data key names: `x` / `y` stand for the only input / output.
struct Binding {
  bool is_input = false;
  size_t index = 0;
  bool found = false;
};

Binding bind(const std::string& key, const Graph& model) {
  if (key == "x" && model.num_inputs() == 1) return {true, 0, true};
  if (key == "y" && model.num_outputs() == 1) return {false, 0, true};
  for (size_t i = 0; i < model.num_inputs(); ++i)
    if (model.input_node(i).layer->name() == key) return {true, i, true};
  for (size_t k = 0; k < model.num_outputs(); ++k)
    if (model.output_name(k) == key) return {false, k, true};
  return {};
}

std::string known_names(const Graph& model) {
  std::string out;
  for (size_t i = 0; i < model.num_inputs(); ++i)
    out += (out.empty() ? "" : ", ") + model.input_node(i).layer->name();
  for (size_t k = 0; k < model.num_outputs(); ++k) out += ", " + model.output_name(k);
  return out;
}

Dataset load_split(const DataSplitSpec& split, const std::string& split_name, const ModelSpec& spec,
                   const Graph& model, ArrayReader read_array, DiagnosticSink& sink) {
  Dataset ds;
  ds.inputs.resize(model.num_inputs());
  ds.targets.resize(model.num_outputs());
  auto place = [&](const std::string& key, const SourceLoc& loc, DataArray array) {
    const Binding b = bind(key, model);
    if (!b.found && key == kSampleWeightKey) {
      array.name = key;
      ds.sample_weights = std::move(array);
      return;
    }
    if (!b.found) {
      sink.error(loc, "data." + split_name + ": '" + key + "' is not an input or output of the model (" +
                          known_names(model) + ") nor " + kSampleWeightKey);
      return;
    }
    array.name = b.is_input ? model.input_node(b.index).layer->name() : model.output_name(b.index);
    (b.is_input ? ds.inputs[b.index] : ds.targets[b.index]) = std::move(array);
  };
  if (read_array) {
    for (size_t f = 0; f < split.files.size(); ++f) {
      DataArray array;
      array.file = split.files[f].second;
      array.values = read_array(array.file);
      place(split.files[f].first, split.file_locs[f], std::move(array));
    }
  } else {
    const char delimiter = delimiter_char(spec.data.args.string("delimiter"), ',');
    const Table table = read_table(split.path, delimiter, spec.data.args.boolean("header"));
    for (size_t c = 0; c < spec.data.columns.size(); ++c) {
      const auto& [key, cols] = spec.data.columns[c];
      std::vector<Index> indices;
      for (const auto& col : cols) {
        Index found = -1;
        for (size_t h = 0; h < table.header.size(); ++h)
          if (table.header[h] == col) found = static_cast<Index>(h);
        if (found < 0 && !col.empty() && col.find_first_not_of("0123456789") == std::string::npos)
          found = std::stoll(col);
        if (found < 0 || found >= table.columns) {
          sink.error(spec.data.column_locs[c],
                     "data.columns." + key + ": no column '" + col + "' in " + split.path);
          return ds;
        }
        indices.push_back(found);
      }
      DataArray array;
      array.file = split.path;
      array.lines = table.lines;
      const Index rows = static_cast<Index>(table.rows.size()), width = static_cast<Index>(indices.size());
      array.values.resize({rows, width});
      for (Index r = 0; r < rows; ++r)
        for (Index j = 0; j < width; ++j)
          array.values.data[r * width + j] = static_cast<Real>(table.rows[r][indices[j]]);
      place(key, spec.data.column_locs[c], std::move(array));
    }
  }
  return ds;
}

}  // namespace

void check_dataset(Dataset& data, const Graph& model, const std::vector<Index>& target_widths) {
  Index rows = -1;
  std::string first_file;
  auto check_rows = [&](const DataArray& a) {
    if (rows < 0) {
      rows = a.values.batch();
      first_file = a.file;
    } else if (a.values.batch() != rows) {
      throw DataError(a.file, "has " + std::to_string(a.values.batch()) + " samples but " + first_file +
                                  " has " + std::to_string(rows));
    }
  };
  auto check_finite = [](const DataArray& a) {
    const Index row = a.values.row_size();
    for (Index i = 0; i < a.values.size(); ++i)
      if (!std::isfinite(a.values.data[i]))
        throw DataError(a.where(i / row), "value " + std::to_string(a.values.data[i]) + " is not finite");
  };
  for (size_t i = 0; i < data.inputs.size(); ++i) {
    DataArray& a = data.inputs[i];
    const Node& node = model.input_node(i);
    const Shape& shape = node.output_shapes[0];
    check_rows(a);
    check_finite(a);
    if (a.values.row_size() != shape_size(shape))
      throw DataError(a.file,
                      "samples of shape " +
                          shape_to_string(Shape(a.values.shape.begin() + 1, a.values.shape.end()), false) +
                          " do not fit input '" + a.name + "' of shape " + shape_to_string(shape));
    a.values.shape = with_batch(a.values.batch(), shape);
    const auto* input = dynamic_cast<const InputLayer*>(node.layer.get());
    if (input && input->is_integer()) {
      // Integer inputs must hold integers, and ids fed to an Embedding must be below its input_dim.
      const std::optional<IdLimit> limit = model.input_id_limit(i);
      const Index row = a.values.row_size();
      for (Index j = 0; j < a.values.size(); ++j) {
        const Real v = a.values.data[j];
        if (v != std::floor(v))
          throw DataError(a.where(j / row), "input '" + a.name + "' is int but holds " + std::to_string(v));
        if (limit && (v < 0 || v >= static_cast<Real>(limit->limit)))
          throw DataError(a.where(j / row), "id " + std::to_string(static_cast<long long>(v)) +
                                                " is outside [0, " + std::to_string(limit->limit) +
                                                ") of layer '" + limit->layer + "' (input_dim " +
                                                std::to_string(limit->limit) + ")");
      }
    }
  }
  if (!data.sample_weights.values.empty()) {
    DataArray& w = data.sample_weights;
    check_rows(w);
    check_finite(w);
    if (w.values.row_size() != 1)
      throw DataError(w.file, "sample_weight has " + std::to_string(w.values.row_size()) +
                                  " values per sample; Keras's sample_weight is one weight per sample");
    w.values.shape = {w.values.batch(), 1};
    for (Index r = 0; r < w.values.size(); ++r)
      if (w.values.data[r] < 0)
        throw DataError(w.where(r), "sample_weight " + std::to_string(w.values.data[r]) + " is negative");
  }
  for (size_t k = 0; k < data.targets.size() && k < target_widths.size(); ++k) {
    DataArray& a = data.targets[k];
    if (a.values.empty()) continue;
    check_rows(a);
    check_finite(a);
    const Shape& out = model.output_shape(k);
    const Index width = out.back();
    const Index expected = shape_size(out) / width * target_widths[k];
    if (a.values.row_size() != expected)
      throw DataError(a.file, "targets have " + std::to_string(a.values.row_size()) +
                                  " values per sample, output '" + a.name + "' " + shape_to_string(out) +
                                  " needs " + std::to_string(expected));
    Shape target_shape = out;
    target_shape.back() = target_widths[k];
    a.values.shape = with_batch(a.values.batch(), target_shape);
    if (target_widths[k] == 1 && width > 1) {
      // Sparse labels: class indices below the output's width.
      for (Index j = 0; j < a.values.size(); ++j) {
        const Real v = a.values.data[j];
        if (v != std::floor(v) || v < 0 || v >= static_cast<Real>(width))
          throw DataError(a.where(j / a.values.row_size()),
                          "label " + std::to_string(v) + " is not a class index in [0, " +
                              std::to_string(width) + ") of output '" + a.name + "'");
      }
    }
  }
}

DataSplits load_file_splits(const ModelSpec& spec, const Graph& model,
                            const std::vector<Index>& target_widths, bool need_targets,
                            ArrayReader read_array) {
  DiagnosticSink sink(spec.file);
  DataSplits splits;
  const std::pair<const DataSplitSpec*, std::optional<Dataset>*> parts[] = {
      {&spec.data.train, &splits.train},
      {&spec.data.validation, &splits.validation},
      {&spec.data.test, &splits.test}};
  const char* names[] = {"train", "validation", "test"};
  for (size_t p = 0; p < 3; ++p) {
    const DataSplitSpec& split = *parts[p].first;
    if (!split.present) continue;
    Dataset ds = load_split(split, names[p], spec, model, read_array, sink);
    sink.throw_if_errors();
    for (size_t i = 0; i < ds.inputs.size(); ++i)
      if (ds.inputs[i].values.empty())
        sink.error(split.loc, std::string("data.") + names[p] + ": no data for input '" +
                                  model.input_node(i).layer->name() + "'");
    bool any_target = false;
    for (const auto& t : ds.targets) any_target = any_target || !t.values.empty();
    for (size_t k = 0; k < ds.targets.size(); ++k)
      if (ds.targets[k].values.empty() && (need_targets || any_target))
        sink.error(split.loc, std::string("data.") + names[p] + ": no targets for output '" +
                                  model.output_name(k) + "'");
    sink.throw_if_errors();
    if (!any_target) ds.targets.clear();
    const double rescale = spec.data.args.number("rescale");
    if (rescale != 1.0)
      for (size_t i = 0; i < ds.inputs.size(); ++i) {
        const auto* input = dynamic_cast<const InputLayer*>(model.input_node(i).layer.get());
        if (input && !input->is_integer()) ds.inputs[i].values.array() *= static_cast<Real>(rescale);
      }
    check_dataset(ds, model, target_widths);
    *parts[p].second = std::move(ds);
  }
  return splits;
}

}  // namespace yamlnet
