// Every registered layer (Keras's run_layer_test): shape inference, parameter count, config round trip,
// one training step, save -> load -> identical outputs and a byte-identical re-save.
#include <doctest/doctest.h>

#include <set>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/weights.hpp"
#include "interpreter/spec/echo.hpp"
#include "interpreter/train/trainer.hpp"

using namespace yamlnet;

namespace {

struct Case {
  std::string type;
  std::string args;                 // YAML mapping of the layer's arguments
  std::vector<Shape> input_shapes;  // per sample
  std::string dtype;                // of every input
  Shape output_shape;
  Index params;
};

// A new layer type must add its case here: the test fails for registered types without one.
const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"Dense", "{units: 3, activation: tanh, kernel_regularizer: l2}", {{4}}, "float32", {3}, 15},
      {"Activation", "{activation: softmax}", {{5}}, "float32", {5}, 0},
      {"Dropout", "{rate: 0.3}", {{4}}, "float32", {4}, 0},
      {"Flatten", "{}", {{2, 3}}, "float32", {6}, 0},
      {"Reshape", "{target_shape: [3, -1]}", {{6}}, "float32", {3, 2}, 0},
      {"Embedding", "{input_dim: 7, output_dim: 2, mask_zero: true}", {{3}}, "int32", {3, 2}, 14},
      {"Concatenate", "{axis: -1}", {{2}, {3}}, "float32", {5}, 0},
      {"Multiply", "{}", {{4}, {4}}, "float32", {4}, 0},
      {"LSTM", "{units: 3, return_sequences: true}", {{5, 2}}, "float32", {5, 3}, 4 * (2 * 3 + 3 * 3 + 3)},
      {"GRU", "{units: 3}", {{5, 2}}, "float32", {3}, 3 * (2 * 3 + 3 * 3 + 2 * 3)},
      {"SimpleRNN", "{units: 2, go_backwards: true}", {{4, 3}}, "float32", {2}, 3 * 2 + 2 * 2 + 2},
      {"Bidirectional",
       "{layer: {type: GRU, units: 2, return_sequences: true}}",
       {{4, 3}},
       "float32",
       {4, 4},
       2 * 3 * (3 * 2 + 2 * 2 + 2 * 2)},
      {"Masking", "{mask_value: 0}", {{4, 3}}, "float32", {4, 3}, 0},
      {"RepeatVector", "{n: 3}", {{2}}, "float32", {3, 2}, 0},
      {"TimeDistributed", "{layer: {type: Dense, units: 2}}", {{4, 3}}, "float32", {4, 2}, 8},
      {"Add", "{}", {{3}, {3}}, "float32", {3}, 0},
      {"Subtract", "{}", {{3}, {3}}, "float32", {3}, 0},
      {"Average", "{}", {{3}, {3}, {3}}, "float32", {3}, 0},
      {"Maximum", "{}", {{2, 2}, {2, 2}}, "float32", {2, 2}, 0},
      {"Minimum", "{}", {{2}, {2}}, "float32", {2}, 0},
      {"Dot", "{axes: -1, normalize: true}", {{2, 4}, {3, 4}}, "float32", {2, 3}, 0},
      {"GlobalAveragePooling1D", "{}", {{5, 3}}, "float32", {3}, 0},
      {"GlobalMaxPooling1D", "{keepdims: true}", {{5, 3}}, "float32", {1, 3}, 0},
      {"SequencePooling", "{mode: sum}", {{5, 3}}, "float32", {3}, 0},
      {"UnitNormalization", "{}", {{4}}, "float32", {4}, 0},
      {"Rescaling", "{scale: 0.5}", {{4}}, "float32", {4}, 0},
  };
  return all;
}

std::string config_for(const Case& c, const YAML::Node& args) {
  YAML::Node root;
  root["name"] = "conformance";
  root["seed"] = 5;
  YAML::Node layer = args;
  layer["name"] = "subject";
  layer["type"] = c.type;
  for (size_t i = 0; i < c.input_shapes.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    YAML::Node shape(YAML::NodeType::Sequence);
    for (Index d : c.input_shapes[i]) shape.push_back(static_cast<long long>(d));
    root["inputs"][name]["shape"] = shape;
    root["inputs"][name]["dtype"] = c.dtype;
    layer["inputs"].push_back(name);
  }
  root["layers"].push_back(layer);
  root["layers"].push_back(YAML::Load("{name: head, type: Flatten}"));
  root["compile"] = YAML::Load("{optimizer: {type: sgd, learning_rate: 0.1}, loss: mse}");
  YAML::Emitter out;
  out << root;
  return out.c_str();
}

void feed(Model& model, const Case& c, Index batch) {
  Random rng(17);
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    Tensor& t = model.input_buffer(i);
    t.resize(with_batch(batch, c.input_shapes[i]));
    for (auto& v : t.data)
      v = c.dtype == "int32" ? static_cast<Real>(rng.below(5)) : static_cast<Real>(rng.uniform(-1, 1));
  }
}

}  // namespace

TEST_CASE("conformance: every registered layer has a case") {
  std::set<std::string> covered{"Input"};
  for (const auto& c : cases()) covered.insert(c.type);
  for (const auto& type : builtin_registry().types())
    CHECK_MESSAGE(covered.count(type), "no conformance case for " << type);
}

TEST_CASE("conformance: shapes, parameters, config round trip, a training step, save and reload") {
  for (const auto& c : cases()) {
    CAPTURE(c.type);
    const std::string text = config_for(c, YAML::Load(c.args));
    Model model(parse_model_spec(text, "conformance.yaml"));
    const Node& subject = *model.find("subject");
    REQUIRE(subject.output_shapes.size() == 1);
    CHECK(subject.output_shapes[0] == c.output_shape);
    CHECK(model.count_params(true) == c.params);

    // The echo of the parsed arguments (defaults filled in) parses back to the same arguments.
    const Args& args = subject.decl->args;
    const ModelSpec again = parse_model_spec(config_for(c, args_to_yaml(args)), "again.yaml");
    const Args& args2 = again.find_layer("subject")->args;
    REQUIRE(args.items().size() == args2.items().size());
    for (size_t k = 0; k < args.items().size(); ++k)
      CHECK(args.items()[k].second.to_string() == args2.items()[k].second.to_string());

    model.initialize(5);
    feed(model, c, 3);
    model.forward(RunContext{});
    CHECK(model.output(0).shape == with_batch(3, {shape_size(c.output_shape)}));

    // One training step runs and, for layers with weights, changes them.
    Trainer trainer(model, model.spec().compile, 5);
    Dataset data;
    for (size_t i = 0; i < model.num_inputs(); ++i)
      data.inputs.push_back(DataArray{"in", model.input_buffer(i), "mem", {}});
    Tensor target(with_batch(3, {shape_size(c.output_shape)}));
    target.set_zero();
    data.targets.push_back(DataArray{"head", target, "mem", {}});
    const std::string initial = weights_to_json(model);
    trainer.train_on_batch(data, 0, 3);
    if (c.params > 0) CHECK(weights_to_json(model) != initial);

    // Save -> load into a fresh model -> the same outputs and the same bytes.
    const std::string saved = weights_to_json(model);
    Model other(parse_model_spec(text, "conformance.yaml"));
    other.initialize(6);
    load_weights_from_text(other, saved, "saved.json");
    CHECK(weights_to_json(other) == saved);
    for (size_t i = 0; i < model.num_inputs(); ++i) other.input_buffer(i) = data.inputs[i].values;
    for (size_t i = 0; i < model.num_inputs(); ++i) model.input_buffer(i) = data.inputs[i].values;
    model.forward(RunContext{});
    other.forward(RunContext{});
    CHECK(other.output(0).data == model.output(0).data);
  }
}
