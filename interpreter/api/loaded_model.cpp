// The public LoadedModel (include/yamlnet/model.hpp) over the interpreter's Model.
#include <algorithm>
#include <mutex>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/app/session.hpp"
#include "interpreter/core/threads.hpp"
#include "layers/core/input_layer.hpp"
#include "yamlnet/model.hpp"

namespace yamlnet {

namespace {

// Rows run through the model at once: bounds a workspace's buffers when a caller hands over a large batch,
// while the products stay large enough to run at full speed.
constexpr Index kPredictChunkRows = 1024;

std::vector<std::int64_t> public_shape(const Shape& shape) {
  return {shape.begin(), shape.end()};
}

TensorInfo input_info(const Model& model, size_t i) {
  const Node& node = model.input_node(i);
  TensorInfo info{node.layer->name(), public_shape(node.output_shapes[0]), ElementType::float32, 0};
  const auto* input = dynamic_cast<const InputLayer*>(node.layer.get());
  const std::optional<IdLimit> limit = model.input_id_limit(i);
  if ((input && input->is_integer()) || limit) info.type = ElementType::int32;
  if (limit) info.id_limit = limit->limit;
  return info;
}

TensorInfo output_info(const Model& model, const std::string& name, OutputRef ref) {
  const Node& node = model.nodes()[static_cast<size_t>(ref.node)];
  return TensorInfo{name, public_shape(node.output_shapes[static_cast<size_t>(ref.index)]),
                    ElementType::float32, 0};
}

std::string type_name(ElementType type) {
  return type == ElementType::int32 ? "int32" : "float32";
}

}  // namespace

std::int64_t TensorInfo::sample_size() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

struct LoadedModel::State {
  RunOptions options;
  std::shared_ptr<const ModelSpec> spec;
  std::unique_ptr<Model> weights;  // the loaded model; workspaces copy its parameters
  std::vector<TensorInfo> inputs, outputs;
  std::mutex idle_mutex;
  std::vector<std::unique_ptr<Model>> idle;  // workspaces not in use

  std::unique_ptr<Model> take_workspace() {
    {
      std::lock_guard<std::mutex> lock(idle_mutex);
      if (!idle.empty()) {
        auto model = std::move(idle.back());
        idle.pop_back();
        return model;
      }
    }
    auto model = std::make_unique<Model>(spec);
    std::vector<ParamSlot> from = weights->parameters(), to = model->parameters();
    for (size_t p = 0; p < from.size(); ++p) to[p].param->value.data = from[p].param->value.data;
    return model;
  }
  void give_back(std::unique_ptr<Model> model) {
    std::lock_guard<std::mutex> lock(idle_mutex);
    idle.push_back(std::move(model));
  }
};

LoadedModel LoadedModel::load(const std::string& config, const std::string& weights,
                              const std::vector<std::string>& overrides) {
  auto state = std::make_shared<State>();
  state->options = RunOptions(config, overrides, weights);
  state->spec = std::make_shared<const ModelSpec>(load_model_spec(config, overrides));
  use_threads(state->spec->threads);
  state->weights = std::make_unique<Model>(state->spec);
  std::vector<std::string> warnings;
  prepare_weights(*state->weights, state->options, warnings);
  const Model& model = *state->weights;
  for (size_t i = 0; i < model.num_inputs(); ++i) state->inputs.push_back(input_info(model, i));
  for (size_t k = 0; k < model.num_outputs(); ++k)
    state->outputs.push_back(output_info(model, model.output_name(k), model.output_ref(k)));
  return LoadedModel(std::move(state));
}

const std::string& LoadedModel::name() const {
  return state_->spec->name;
}
const std::vector<TensorInfo>& LoadedModel::inputs() const {
  return state_->inputs;
}
const std::vector<TensorInfo>& LoadedModel::outputs() const {
  return state_->outputs;
}

TensorInfo LoadedModel::layer_output(const std::string& name) const {
  return output_info(*state_->weights, name, find_layer_output(*state_->weights, name, "layer_output"));
}

namespace {

struct InputRows {
  const TensorInfo* info;
  const InputBuffer* buffer;
};

// Each model input's buffer, checked: given once, of its element type and size, ids within their bound.
std::vector<InputRows> checked_inputs(const std::vector<TensorInfo>& infos, std::int64_t batch,
                                      std::span<const InputBuffer> buffers) {
  for (const auto& buffer : buffers) {
    const auto known =
        std::find_if(infos.begin(), infos.end(), [&](auto& i) { return i.name == buffer.name; });
    if (known == infos.end()) {
      std::string names;
      for (const auto& i : infos) names += (names.empty() ? "'" : ", '") + i.name + "'";
      throw UsageError("predict: the model has no input '" + buffer.name + "' (its inputs: " + names + ")");
    }
  }
  std::vector<InputRows> out;
  for (const auto& info : infos) {
    const InputBuffer* found = nullptr;
    for (const auto& buffer : buffers) {
      if (buffer.name != info.name) continue;
      if (found) throw UsageError("predict: input '" + info.name + "' is given twice");
      found = &buffer;
    }
    if (!found) throw UsageError("predict: input '" + info.name + "' is not given");
    const bool ids = std::holds_alternative<std::span<const std::int32_t>>(found->values);
    if (ids != (info.type == ElementType::int32))
      throw UsageError("predict: input '" + info.name + "' takes " + type_name(info.type) + " values, not " +
                       type_name(ids ? ElementType::int32 : ElementType::float32));
    const std::size_t size = std::visit([](auto span) { return span.size(); }, found->values);
    if (static_cast<std::int64_t>(size) != batch * info.sample_size())
      throw UsageError("predict: input '" + info.name + "' holds " + std::to_string(size) + " values; " +
                       std::to_string(batch) + " rows of " + std::to_string(info.sample_size()) + " need " +
                       std::to_string(batch * info.sample_size()));
    out.push_back({&info, found});
  }
  // Ids last, so that a buffer given for the wrong input is reported as that, not as an id out of range.
  for (const auto& [info, buffer] : out) {
    if (info->type != ElementType::int32 || info->id_limit == 0) continue;
    const auto values = std::get<std::span<const std::int32_t>>(buffer->values);
    for (std::size_t v = 0; v < values.size(); ++v)
      if (values[v] < 0 || values[v] >= info->id_limit)
        throw DataError("predict", "input '" + info->name + "', row " +
                                       std::to_string(v / static_cast<std::size_t>(info->sample_size()) + 1) +
                                       ": id " + std::to_string(values[v]) + " is outside [0, " +
                                       std::to_string(info->id_limit) + ")");
  }
  return out;
}

}  // namespace

void LoadedModel::predict(std::int64_t batch, std::span<const InputBuffer> inputs,
                          std::span<const OutputBuffer> outputs) const {
  if (batch < 0) throw UsageError("predict: the batch must not be negative, got " + std::to_string(batch));
  const std::vector<InputRows> rows = checked_inputs(state_->inputs, batch, inputs);
  std::vector<OutputRef> refs;
  std::vector<std::int64_t> widths;
  for (const auto& buffer : outputs) {
    refs.push_back(find_layer_output(*state_->weights, buffer.name, "predict"));
    widths.push_back(output_info(*state_->weights, buffer.name, refs.back()).sample_size());
    if (static_cast<std::int64_t>(buffer.values.size()) != batch * widths.back())
      throw UsageError("predict: output '" + buffer.name + "' has room for " +
                       std::to_string(buffer.values.size()) + " values; " + std::to_string(batch) +
                       " rows of " + std::to_string(widths.back()) + " need " +
                       std::to_string(batch * widths.back()));
  }
  const auto fixed = state_->weights->fixed_batch_size();
  if (fixed && batch != *fixed)
    throw UsageError("predict: the model's inputs fix the batch size at " + std::to_string(*fixed) +
                     " (stateful layers); got " + std::to_string(batch) + " rows");
  if (batch == 0) return;

  keep_products_on_calling_thread();
  std::unique_ptr<Model> model = state_->take_workspace();
  struct GiveBack {
    State& state;
    std::unique_ptr<Model>& model;
    ~GiveBack() { state.give_back(std::move(model)); }
  } give_back{*state_, model};
  // Stateful layers start every call from zero states, so that calls do not depend on each other.
  model->reset_states();
  const Index chunk = fixed ? *fixed : kPredictChunkRows;
  for (Index begin = 0; begin < batch; begin += chunk) {
    const Index count = std::min<Index>(chunk, batch - begin);
    for (size_t i = 0; i < rows.size(); ++i) {
      const Index width = rows[i].info->sample_size();
      Tensor& dst = model->input_buffer(i);
      dst.resize_batch(count, model->input_node(i).output_shapes[0]);
      std::visit(
          [&](auto span) {
            const auto from = span.begin() + begin * width;
            std::transform(from, from + count * width, dst.data.begin(), [](auto x) { return Real(x); });
          },
          rows[i].buffer->values);
    }
    model->forward(RunContext{Mode::Inference, nullptr});
    for (size_t k = 0; k < refs.size(); ++k) {
      const Tensor& y = model->layer_output(refs[k].node, refs[k].index);
      std::copy(y.data.begin(), y.data.end(), outputs[k].values.begin() + begin * widths[k]);
    }
  }
}

std::vector<std::vector<float>> LoadedModel::predict(std::int64_t batch,
                                                     std::span<const InputBuffer> inputs) const {
  std::vector<std::vector<float>> values;
  std::vector<OutputBuffer> buffers;
  values.reserve(state_->outputs.size());
  for (const auto& info : state_->outputs) {
    values.emplace_back(static_cast<size_t>(std::max<std::int64_t>(batch, 0) * info.sample_size()));
    buffers.push_back(OutputBuffer{info.name, values.back()});
  }
  predict(batch, inputs, buffers);
  return values;
}

Logs LoadedModel::evaluate(const std::string& split) const {
  std::vector<std::string> warnings;
  return run_evaluate(*state_->spec, state_->options, split, warnings);
}

}  // namespace yamlnet
