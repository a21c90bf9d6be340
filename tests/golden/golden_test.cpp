// Golden cases from a Keras implementation (tests/golden/cases, copied from shared/keras-golden): the same
// weights and inputs must give Keras's outputs within 1e-6, and Keras's losses and weights after training
// steps within 1e-5.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/keras_json.hpp"
#include "interpreter/train/trainer.hpp"

using namespace yamlnet;
using json = nlohmann::json;

namespace {

const std::string kCases = std::string(YAMLNET_SOURCE_DIR) + "/tests/golden/cases/";

json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  return json::parse(in);
}

void flatten(const json& j, std::vector<double>& values, Shape& shape, size_t depth) {
  if (j.is_array()) {
    if (shape.size() <= depth) shape.push_back(static_cast<Index>(j.size()));
    for (const auto& item : j) flatten(item, values, shape, depth + 1);
  } else if (j.is_boolean()) {
    values.push_back(j.get<bool>() ? 1.0 : 0.0);
  } else if (j.is_string()) {
    const std::string s = j.get<std::string>();
    values.push_back(s == "NaN" ? NAN : (s == "-Infinity" ? -INFINITY : INFINITY));
  } else {
    values.push_back(j.get<double>());
  }
}

Tensor to_tensor(const json& j) {
  std::vector<double> values;
  Shape shape;
  flatten(j, values, shape, 0);
  Tensor t(shape);
  for (size_t i = 0; i < values.size(); ++i) t.data[i] = static_cast<Real>(values[i]);
  return t;
}

// The request's Keras model as a yamlnet config (JSON is YAML), so the case goes through the real parser.
std::string config_text(const json& req) {
  json config;
  config["name"] = "golden";
  // Cases made under another Keras say so (`options.keras_version`, a string in the case files).
  if (req.contains("options") && req["options"].contains("keras_version"))
    config["keras_version"] = std::stoi(req["options"]["keras_version"].get<std::string>());
  for (const auto& in : req["model"]["inputs"])
    config["inputs"][in["name"].get<std::string>()] = {{"shape", in["shape"]}, {"dtype", in["dtype"]}};
  config["layers"] = json::array();
  for (const auto& l : req["model"]["layers"]) {
    json layer = l["config"].is_object() ? l["config"] : json::object();
    layer["name"] = l["name"];
    layer["type"] = l["class_name"];
    layer["inputs"] = l["inbound"];
    config["layers"].push_back(layer);
  }
  config["outputs"] = req["model"]["outputs"];
  if (req.contains("train")) {
    const auto& t = req["train"];
    json optimizer = {{"type", t["optimizer"]}, {"learning_rate", t["lr"]}};
    for (const char* key : {"beta_1", "beta_2", "epsilon", "rho", "momentum", "nesterov", "centered"})
      if (t.contains(key)) optimizer[key] = t[key];
    config["compile"] = {{"optimizer", optimizer}, {"loss", t["loss"]}};
  }
  return config.dump(1);
}

void set_weights(Model& model, const json& weights) {
  auto slots = model.parameters();
  REQUIRE(slots.size() == weights.size());
  for (auto& slot : slots) {
    REQUIRE_MESSAGE(weights.contains(slot.key), "golden weights lack " << slot.key);
    const Tensor t = to_tensor(weights[slot.key]);
    REQUIRE(t.shape == slot.param->shape);
    slot.param->value.data = t.data;
  }
}

void feed(Model& model, const json& inputs) {
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    const std::string& name = model.input_node(i).layer->name();
    model.input_buffer(i) = to_tensor(inputs[name]);
  }
}

void expect_close(const Tensor& actual, const json& expected, double tolerance, const std::string& what) {
  const Tensor e = to_tensor(expected);
  REQUIRE_MESSAGE(actual.size() == e.size(),
                  what << ": " << actual.size() << " values, expected " << e.size());
  for (Index i = 0; i < e.size(); ++i) {
    const double a = actual.data[i], b = e.data[i];
    // Keras's NaN for an all-padding average is a documented deviation (yamlnet gives zeros, tested
    // elsewhere).
    if (std::isnan(b)) continue;
    CHECK_MESSAGE(std::abs(a - b) <= tolerance * std::max(1.0, std::abs(b)),
                  what << "[" << i << "] = " << a << ", Keras: " << b);
  }
}

// "lstm:1" -> (node of lstm, output 1).
std::pair<int, int> locate(const Model& model, const std::string& key) {
  const auto colon = key.find(':');
  const std::string name = key.substr(0, colon);
  const int index = colon == std::string::npos ? 0 : std::stoi(key.substr(colon + 1));
  for (size_t n = 0; n < model.nodes().size(); ++n)
    if (model.nodes()[n].layer->name() == name) return {static_cast<int>(n), index};
  FAIL("no layer " << name);
  return {-1, 0};
}

void expect_mask(const Tensor* actual, const json& expected, const std::string& what) {
  REQUIRE_MESSAGE(actual != nullptr, what << ": no mask, Keras has one");
  const Tensor e = to_tensor(expected);
  REQUIRE(actual->size() == e.size());
  for (Index i = 0; i < e.size(); ++i) CHECK_MESSAGE(actual->data[i] == e.data[i], what << "[" << i << "]");
}

// The case's model as a config: the reference's own layer list, or a Keras model.to_json() run through
// `yamlnet import`'s conversion (keras3_format_dense).
std::string case_config(const json& req, const std::string& name) {
  if (!req["model"].contains("class_name")) return config_text(req);
  return keras_json_to_yaml(nlohmann::ordered_json::parse(req["model"].dump()), name + ".req.json");
}

void check_inference_case(const std::string& name) {
  const json req = read_json(kCases + name + ".req.json");
  const json res = read_json(kCases + name + ".res.json");
  Model model(parse_model_spec(case_config(req, name), name + ".req.json"));
  set_weights(model, req["weights"]);
  feed(model, req["inputs"]);
  model.forward(RunContext{});
  for (size_t k = 0; k < model.num_outputs(); ++k) {
    const std::string key = res["output_order"][k];
    expect_close(model.output(k), res["outputs"][key], 1e-6, name + " output " + key);
    if (res.contains("output_masks") && res["output_masks"].contains(key))
      expect_mask(model.output_mask(k), res["output_masks"][key], name + " output mask " + key);
    else
      CHECK_MESSAGE(model.output_mask(k) == nullptr,
                    name << " output " << key << " has a mask; Keras has none");
  }
  if (res.contains("layer_outputs"))
    for (const auto& [layer, values] : res["layer_outputs"].items()) {
      const auto [node, index] = locate(model, layer);
      expect_close(model.layer_output(node, index), values, 1e-6, name + " layer " + layer);
    }
  if (res.contains("layer_masks"))
    for (const auto& [layer, values] : res["layer_masks"].items()) {
      const auto [node, index] = locate(model, layer);
      expect_mask(model.layer_mask(node, index), values, name + " mask of " + layer);
    }
}

void check_training_case(const std::string& name) {
  const json req = read_json(kCases + name + ".req.json");
  const json res = read_json(kCases + name + ".res.json");
  Model model(parse_model_spec(config_text(req), name + ".req.json"));
  set_weights(model, req["weights"]);
  Trainer trainer(model, model.spec().compile, 0);
  Dataset data;
  for (size_t i = 0; i < model.num_inputs(); ++i)
    data.inputs.push_back(DataArray{model.input_node(i).layer->name(),
                                    to_tensor(req["inputs"][model.input_node(i).layer->name()]),
                                    "golden",
                                    {}});
  Tensor targets = to_tensor(req["train"]["targets"]);
  data.targets.push_back(DataArray{model.output_name(0), targets, "golden", {}});
  const Index n = data.size(), batch = req["train"]["batch_size"].get<Index>();
  const Index batches = (n + batch - 1) / batch;
  const int steps = req["train"]["steps"].get<int>();
  for (int s = 0; s < steps; ++s) {
    const Index begin = (s % batches) * batch;
    const double loss = trainer.train_on_batch(data, begin, std::min(n, begin + batch));
    const double expected = res["losses"][s].get<double>();
    CHECK_MESSAGE(std::abs(loss - expected) <= 1e-5 * std::max(1.0, std::abs(expected)),
                  name << " loss at step " << s << ": " << loss << ", Keras: " << expected);
  }
  for (auto& slot : model.parameters())
    expect_close(slot.param->value, res["weights_after"][slot.key], 1e-5, name + " " + slot.key);
  feed(model, req["inputs"]);
  model.forward(RunContext{});
  expect_close(model.output(0), res["outputs_after_train"][model.output_name(0)], 1e-5,
               name + " outputs after training");
}

}  // namespace

TEST_CASE("golden: Dense with every Keras activation") {
  for (const char* name :
       {"dense_elu", "dense_exponential", "dense_hard_sigmoid", "dense_linear", "dense_relu", "dense_selu",
        "dense_sigmoid", "dense_softmax", "dense_softplus", "dense_softsign", "dense_tanh"}) {
    CAPTURE(name);
    check_inference_case(name);
  }
}

TEST_CASE("golden: keras_version 3's hard_sigmoid, relu6(x + 3) / 6") {
  check_inference_case("dense_hard_sigmoid_keras3");
}

TEST_CASE(
    "golden: a Keras 3 model.to_json(), imported, is Keras 3's model (keras_version 3 from its format)") {
  const json req = read_json(kCases + std::string("keras3_format_dense.req.json"));
  const std::string config = case_config(req, "keras3_format_dense");
  CHECK(config.find("keras_version: 3") != std::string::npos);
  check_inference_case("keras3_format_dense");
}

TEST_CASE("golden: Embedding, Flatten, Dropout at inference, NeuMF graph, masked average pooling") {
  for (const char* name :
       {"embedding_plain", "emb_flatten_dense", "dropout_inference", "neumf", "gap_masked"}) {
    CAPTURE(name);
    check_inference_case(name);
  }
}

TEST_CASE("golden: training steps with SGD and Keras Adam on binary cross-entropy") {
  check_training_case("train_sgd_dense_bce");
  check_training_case("train_adam_dense_bce");
}

TEST_CASE("golden: momentum, Nesterov, RMSprop (plain and with momentum) and Adamax as tfjs runs them") {
  // tfjs's Adadelta divides by the previous step's accumulator and its centered RMSprop subtracts epsilon,
  // neither as Keras does: those two are checked by hand (keras_optimizers_test) instead.
  for (const char* name :
       {"train_sgd_momentum_dense_bce", "train_sgd_nesterov_dense_bce", "train_rmsprop_dense_bce",
        "train_rmsprop_momentum_dense_bce", "train_adamax_dense_bce"}) {
    CAPTURE(name);
    check_training_case(name);
  }
}

TEST_CASE("golden: LSTM, GRU and SimpleRNN with masks at the start, middle and end") {
  for (const char* name : {"emb_mask_lstm_seq", "emb_mask_lstm_last", "lstm_go_backwards",
                           "lstm_return_state", "lstm_hard_sigmoid", "gru_reset_after_true",
                           "gru_reset_after_false", "simple_rnn", "stale_mask_repeatvector"}) {
    CAPTURE(name);
    check_inference_case(name);
  }
}

TEST_CASE("golden: training an Embedding-LSTM with Adam, and a masked sequence loss with SGD") {
  check_training_case("train_adam_emb_lstm_mse");
  check_training_case("train_sgd_masked_seq_mse");
}
