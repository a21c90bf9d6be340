// The recommender graph pieces against finite differences: merges, Dot, masked pooling, normalisation.
#include <doctest/doctest.h>

#include "tests/gradcheck/gradcheck.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

TEST_CASE("gradcheck: Add, Subtract, Average, Maximum, Minimum") {
  for (const char* type : {"Add", "Average", "Maximum", "Minimum"}) {
    CAPTURE(type);
    auto layer = make_layer(type, "{}", {{2, 3}, {2, 3}, {2, 3}});
    check_gradients(
        *layer, {random_tensor(2, {2, 3}, 71), random_tensor(2, {2, 3}, 72), random_tensor(2, {2, 3}, 73)});
  }
  auto sub = make_layer("Subtract", "{}", {{4}, {4}});
  check_gradients(*sub, {random_tensor(3, {4}, 74), random_tensor(3, {4}, 75)});
}

TEST_CASE("gradcheck: Dot of vectors and of matrices, plain and normalised") {
  for (const char* normalize : {"false", "true"}) {
    CAPTURE(normalize);
    auto vectors = make_layer("Dot", std::string("{axes: 1, normalize: ") + normalize + "}", {{5}, {5}});
    check_gradients(*vectors, {random_tensor(3, {5}, 76), random_tensor(3, {5}, 77)});
    auto matrices =
        make_layer("Dot", std::string("{axes: [-1, -1], normalize: ") + normalize + "}", {{2, 4}, {3, 4}});
    check_gradients(*matrices, {random_tensor(2, {2, 4}, 78), random_tensor(2, {3, 4}, 79)});
    // Any axes, as Keras 2: the first axes (n, d) . (n, m) -> (d, m); mixed (n, d) . (n, m) on [1, 2] needs
    // n == m; a matrix against a vector keeps the matrix's rows.
    const std::string norm = std::string(", normalize: ") + normalize + "}";
    auto first = make_layer("Dot", "{axes: 1" + norm, {{3, 2}, {3, 4}});
    check_gradients(*first, {random_tensor(2, {3, 2}, 80), random_tensor(2, {3, 4}, 81)});
    auto mixed = make_layer("Dot", "{axes: [1, 2]" + norm, {{3, 2}, {4, 3}});
    check_gradients(*mixed, {random_tensor(2, {3, 2}, 82), random_tensor(2, {4, 3}, 83)});
    auto matrix_vector = make_layer("Dot", "{dot_axes: [1, 1]" + norm, {{3, 2}, {3}});
    check_gradients(*matrix_vector, {random_tensor(2, {3, 2}, 84), random_tensor(2, {3}, 85)});
  }
}

TEST_CASE("gradcheck: masked pooling, with an all-padding row, and SequencePooling's length input") {
  Tensor mask({3, 4});
  const Real values[] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};  // row 1 is all padding
  mask.data.assign(std::begin(values), std::end(values));
  GradcheckOptions masked;
  masked.masks = {&mask};
  for (const char* type : {"GlobalAveragePooling1D", "GlobalMaxPooling1D"}) {
    CAPTURE(type);
    auto layer = make_layer(type, "{}", {{4, 3}});
    check_gradients(*layer, {random_tensor(3, {4, 3}, 80)}, masked);
    check_gradients(*layer, {random_tensor(3, {4, 3}, 81)});
  }
  for (const char* mode : {"sum", "max", "mean"}) {
    auto layer = make_layer("SequencePooling", std::string("{mode: ") + mode + "}", {{4, 3}});
    check_gradients(*layer, {random_tensor(3, {4, 3}, 82)}, masked);
  }
  auto with_length = make_layer("SequencePooling", "{mode: mean}", {{4, 3}, {1}});
  Tensor lengths({3, 1});
  lengths.data = {2, 1, 2};
  GradcheckOptions masked2 = masked;
  masked2.masks.push_back(nullptr);
  check_gradients(*with_length, {random_tensor(3, {4, 3}, 83), lengths}, masked2);
  // The length masks the steps at or beyond it, alone or with the mask (both must keep a step), every mode.
  GradcheckOptions length_only;
  length_only.masks = {nullptr, nullptr};
  for (const char* mode : {"sum", "max", "mean"}) {
    CAPTURE(mode);
    auto layer = make_layer("SequencePooling", std::string("{mode: ") + mode + "}", {{4, 3}, {1}});
    check_gradients(*layer, {random_tensor(3, {4, 3}, 86), lengths}, length_only);
    check_gradients(*layer, {random_tensor(3, {4, 3}, 87), lengths}, masked2);
  }
}

TEST_CASE("gradcheck: UnitNormalization and Rescaling") {
  auto unit = make_layer("UnitNormalization", "{}", {{2, 5}});
  check_gradients(*unit, {random_tensor(3, {2, 5}, 84)});
  auto scale = make_layer("Rescaling", "{scale: 0.05, offset: 1}", {{3}});
  check_gradients(*scale, {random_tensor(2, {3}, 85)});
}
