// LSTM, GRU and SimpleRNN against finite differences: masks at the start, middle and end, go_backwards,
// return_state outputs, dropout with fixed masks, hard_sigmoid gates.
#include <doctest/doctest.h>

#include "tests/gradcheck/gradcheck.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

// Three sequences of 5 steps: padded at the end, at the start and in the middle.
Tensor step_mask() {
  Tensor m({3, 5});
  const Real values[] = {1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1};
  m.data.assign(std::begin(values), std::end(values));
  return m;
}

void check_rnn(const std::string& type, const std::string& args, int keras_version = 2) {
  CAPTURE(type);
  CAPTURE(args);
  auto layer = make_layer(type, args, {{5, 3}}, 1, keras_version);
  const Tensor mask = step_mask();
  GradcheckOptions masked;
  masked.masks = {&mask};
  check_gradients(*layer, {random_tensor(3, {5, 3}, 51)}, masked);
  check_gradients(*layer, {random_tensor(3, {5, 3}, 52)});
}

}  // namespace

TEST_CASE("gradcheck: LSTM") {
  check_rnn("LSTM", "{units: 4, return_sequences: true}");
  check_rnn("LSTM", "{units: 3}");
  check_rnn("LSTM", "{units: 3, go_backwards: true, return_sequences: true}");
  check_rnn("LSTM", "{units: 3, return_state: true}");
  check_rnn("LSTM", "{units: 3, return_sequences: true, return_state: true, go_backwards: true}");
  check_rnn("LSTM", "{units: 2, recurrent_activation: hard_sigmoid, activation: softsign, use_bias: false}");
}

TEST_CASE("gradcheck: GRU with reset_after true and false") {
  for (const char* reset : {"true", "false"}) {
    const std::string r = std::string(", reset_after: ") + reset;
    check_rnn("GRU", "{units: 4, return_sequences: true" + r + "}");
    check_rnn("GRU", "{units: 3, go_backwards: true" + r + "}");
    check_rnn("GRU", "{units: 3, return_state: true, return_sequences: true" + r + "}");
    check_rnn("GRU", "{units: 2, use_bias: false" + r + "}");
  }
}

TEST_CASE("gradcheck: Keras 1's LSTM and GRU, written in Keras 1's spelling with keras_version 1") {
  // Keras 1's defaults: hard_sigmoid gates; GRU with the reset before the recurrent product.
  check_rnn("LSTM", "{output_dim: 3, return_sequences: true}", 1);
  check_rnn("GRU", "{output_dim: 3, return_sequences: true, consume_less: gpu}", 1);
  // Keras 3's hard_sigmoid in the gates.
  check_rnn("GRU", "{units: 3, recurrent_activation: hard_sigmoid}", 3);
}

TEST_CASE("gradcheck: SimpleRNN") {
  check_rnn("SimpleRNN", "{units: 4, return_sequences: true}");
  check_rnn("SimpleRNN", "{units: 3, activation: relu, go_backwards: true, return_state: true}");
}

TEST_CASE("gradcheck: recurrent dropout and input dropout with fixed masks in training") {
  GradcheckOptions training;
  training.mode = Mode::Training;
  for (const char* type : {"LSTM", "GRU", "SimpleRNN"}) {
    CAPTURE(type);
    auto layer = make_layer(type, "{units: 3, dropout: 0.3, recurrent_dropout: 0.4, return_sequences: true}",
                            {{4, 3}});
    check_gradients(*layer, {random_tensor(2, {4, 3}, 53)}, training);
  }
}

TEST_CASE("gradcheck: Bidirectional in every merge mode, with masks and states") {
  for (const char* mode : {"concat", "sum", "mul", "ave", "none"}) {
    CAPTURE(mode);
    check_rnn("Bidirectional", std::string("{merge_mode: ") + mode +
                                   ", layer: {type: LSTM, units: 2, return_sequences: true}}");
  }
  check_rnn("Bidirectional", "{layer: {type: GRU, units: 2, return_state: true}}");
  check_rnn(
      "Bidirectional",
      "{merge_mode: sum, layer: {type: SimpleRNN, units: 3, go_backwards: true, return_sequences: true}}");
}

TEST_CASE("gradcheck: TimeDistributed(Dense), Masking, RepeatVector") {
  auto td = make_layer("TimeDistributed", "{layer: {type: Dense, units: 3, activation: tanh}}", {{4, 2}});
  check_gradients(*td, {random_tensor(2, {4, 2}, 61)});
  // Away from mask_value (where the layer is discontinuous); masked steps are tested in recurrent_test.
  auto masking = make_layer("Masking", "{mask_value: 5}", {{3, 2}});
  check_gradients(*masking, {random_tensor(2, {3, 2}, 62)});
  auto repeat = make_layer("RepeatVector", "{n: 3}", {{4}});
  check_gradients(*repeat, {random_tensor(2, {4}, 63)});
}
