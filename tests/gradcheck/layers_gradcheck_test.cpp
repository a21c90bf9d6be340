#include <doctest/doctest.h>

#include "tests/gradcheck/gradcheck.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

TEST_CASE("gradcheck: Dense with every activation, on rank-2 and rank-3 inputs") {
  for (const char* act :
       {"linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign", "hard_sigmoid",
        "exponential", "swish", "gelu", "{type: gelu, approximate: true}",
        "{type: relu, alpha: 0.1, max_value: 0.8, threshold: 0.05}", "{type: elu, alpha: 0.5}"}) {
    CAPTURE(act);
    auto dense = make_layer("Dense", std::string("{units: 3, activation: ") + act + "}", {{4}});
    check_gradients(*dense, {random_tensor(5, {4}, 11, -2, 2)});
    auto seq = make_layer("Dense", std::string("{units: 2, activation: ") + act + "}", {{3, 4}});
    check_gradients(*seq, {random_tensor(2, {3, 4}, 12, -2, 2)});
  }
}

TEST_CASE("gradcheck: Keras 3's hard_sigmoid, in Dense and in the Activation layer") {
  // Inputs in [-4, 4) cross both of relu6(x + 3) / 6's corners at -3 and 3.
  auto dense = make_layer("Dense", "{units: 3, activation: hard_sigmoid}", {{4}}, 1, 3);
  check_gradients(*dense, {random_tensor(5, {4}, 21, -4, 4)});
  auto layer = make_layer("Activation", "{activation: hard_sigmoid}", {{6}}, 1, 3);
  check_gradients(*layer, {random_tensor(4, {6}, 22, -4, 4)});
}

TEST_CASE("gradcheck: Dense without bias, and the Activation layer") {
  auto dense = make_layer("Dense", "{units: 4, use_bias: false}", {{3}});
  check_gradients(*dense, {random_tensor(3, {3}, 13)});
  for (const char* act : {"softmax", "tanh", "selu"}) {
    auto layer = make_layer("Activation", std::string("{activation: ") + act + "}", {{5}});
    check_gradients(*layer, {random_tensor(4, {5}, 14, -2, 2)});
  }
}

TEST_CASE("gradcheck: Embedding (table gradient, ids take none)") {
  auto emb = make_layer("Embedding", "{input_dim: 6, output_dim: 3}", {{4}});
  Tensor ids({3, 4});
  const Real values[] = {1, 2, 2, 0, 5, 4, 3, 1, 0, 0, 5, 5};  // repeated ids accumulate
  ids.data.assign(std::begin(values), std::end(values));
  check_gradients(*emb, {ids});
}

TEST_CASE("gradcheck: Flatten and Reshape") {
  auto flatten = make_layer("Flatten", "{}", {{2, 3}});
  check_gradients(*flatten, {random_tensor(2, {2, 3}, 15)});
  auto reshape = make_layer("Reshape", "{target_shape: [3, -1]}", {{6}});
  check_gradients(*reshape, {random_tensor(2, {6}, 16)});
}

TEST_CASE("gradcheck: Dropout in training with a fixed mask, and at inference") {
  auto dropout = make_layer("Dropout", "{rate: 0.4}", {{10}});
  GradcheckOptions training;
  training.mode = Mode::Training;
  check_gradients(*dropout, {random_tensor(4, {10}, 17)}, training);
  check_gradients(*dropout, {random_tensor(4, {10}, 18)});
}

TEST_CASE("gradcheck: Concatenate on the last and a middle axis, Multiply of two and three inputs") {
  auto last = make_layer("Concatenate", "{axis: -1}", {{2, 3}, {2, 1}});
  check_gradients(*last, {random_tensor(2, {2, 3}, 19), random_tensor(2, {2, 1}, 20)});
  auto middle = make_layer("Concatenate", "{axis: 1}", {{2, 3}, {1, 3}, {3, 3}});
  check_gradients(*middle,
                  {random_tensor(2, {2, 3}, 21), random_tensor(2, {1, 3}, 22), random_tensor(2, {3, 3}, 23)});
  auto two = make_layer("Multiply", "{}", {{4}, {4}});
  check_gradients(*two, {random_tensor(3, {4}, 24), random_tensor(3, {4}, 25)});
  auto three = make_layer("Multiply", "{}", {{2, 2}, {2, 2}, {2, 2}});
  check_gradients(*three,
                  {random_tensor(3, {2, 2}, 26), random_tensor(3, {2, 2}, 27), random_tensor(3, {2, 2}, 28)});
}
