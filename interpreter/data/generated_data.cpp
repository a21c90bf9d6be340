#include "interpreter/data/generated_data.hpp"

#include "interpreter/core/random.hpp"
#include "interpreter/graph/graph.hpp"
#include "interpreter/spec/model_spec.hpp"
#include "layers/core/input_layer.hpp"

namespace yamlnet {

namespace {

// Integer inputs hold ids below the Embedding's input_dim (0 and 1 when nothing bounds them); float inputs
// are uniform in [-1, 1].
DataArray generated_input(const Graph& model, size_t i, Index rows, Random& rng) {
  const Node& node = model.input_node(i);
  DataArray array{node.layer->name(), Tensor(with_batch(rows, node.output_shapes[0])), "generated", {}};
  const auto* input = dynamic_cast<const InputLayer*>(node.layer.get());
  const bool integer = input && input->is_integer();
  const std::optional<IdLimit> limit = integer ? model.input_id_limit(i) : std::nullopt;
  const Index ids = limit ? limit->limit : 2;
  for (Real& v : array.values.data)
    v = integer ? static_cast<Real>(rng.below(static_cast<uint64_t>(ids)))
                : static_cast<Real>(rng.uniform(-1, 1));
  return array;
}

// Targets as the output's loss reads them: a class index per row for sparse labels, a one-hot row for a
// wider output, 0 or 1 for an output of width 1.
DataArray generated_target(const Graph& model, size_t k, Index target_width, Index rows, Random& rng) {
  const Shape& out = model.output_shape(k);
  const Index width = out.back();
  Shape shape = out;
  shape.back() = target_width;
  DataArray array{model.output_name(k), Tensor(with_batch(rows, shape)), "generated", {}};
  const Index target_rows = array.values.size() / target_width;
  const auto classes = static_cast<uint64_t>(width > 1 ? width : 2);
  array.values.set_zero();
  for (Index r = 0; r < target_rows; ++r) {
    const auto c = static_cast<Index>(rng.below(classes));
    if (target_width == 1)
      array.values.data[r] = static_cast<Real>(c);
    else
      array.values.data[r * target_width + c] = 1;
  }
  return array;
}

Dataset generated_split(const Graph& model, const DataRequest& request, Index rows, Random rng) {
  Dataset data;
  for (size_t i = 0; i < model.num_inputs(); ++i) data.inputs.push_back(generated_input(model, i, rows, rng));
  for (size_t k = 0; k < model.num_outputs() && k < request.target_widths.size(); ++k)
    data.targets.push_back(generated_target(model, k, request.target_widths[k], rows, rng));
  return data;
}

}  // namespace

DataSourceEntry generated_data_entry() {
  std::vector<ArgSpec> args{
      int_arg("samples", 256, "training samples", 1),
      int_arg("test_samples", 64, "test samples", 0),
  };
  return {{FunctionInfo("generated",
                        "random data shaped by the model (seeded by the config's seed): ids below each "
                        "Embedding's input_dim, floats in [-1, 1], class labels or one-hot targets as the "
                        "loss reads them; for trying a model before its data is at hand",
                        std::move(args)),
           SplitForm::None,
           {}},
          [](const ModelSpec& spec, const Graph& model, const DataRequest& request) {
            auto source = std::make_unique<DataSource>();
            const Random base = Random(spec.seed).split(fnv1a("generated data"));
            auto split = [&](const char* key, uint64_t stream, std::optional<Dataset>& out) {
              const Index rows = spec.data.args.integer(key);
              if (rows > 0) out = generated_split(model, request, rows, base.split(stream));
            };
            split("samples", 1, source->splits.train);
            split("test_samples", 3, source->splits.test);
            return source;
          }};
}

}  // namespace yamlnet
