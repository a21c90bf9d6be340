#include "layers/core/repeat_vector.hpp"

#include "interpreter/core/errors.hpp"

namespace yamlnet {

std::vector<Shape> RepeatVector::build(const std::vector<Shape>& input_shapes) {
  expect_inputs(input_shapes, 1);
  if (input_shapes[0].size() != 1)
    throw ShapeError("expects a vector per sample, got " + shape_to_string(input_shapes[0]));
  return {{n_, input_shapes[0][0]}};
}

void RepeatVector::forward(const LayerInputs& in, std::vector<Tensor>& outputs, const RunContext&) {
  const Tensor& x = *in.values[0];
  const Index B = x.batch(), F = x.last_dim();
  outputs[0].resize({B, n_, F});
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < n_; ++t) std::copy_n(x.ptr() + b * F, F, outputs[0].ptr() + (b * n_ + t) * F);
}

void RepeatVector::backward(const LayerInputs& in, const std::vector<Tensor>&, std::vector<Tensor>& d_outputs,
                            std::vector<Tensor*>& d_inputs) {
  if (!d_inputs[0]) return;
  const Index B = in.values[0]->batch(), F = in.values[0]->last_dim();
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < n_; ++t)
      RowVectorMap(d_inputs[0]->ptr() + b * F, F) +=
          ConstRowVectorMap(d_outputs[0].ptr() + (b * n_ + t) * F, F);
}

LayerInfo repeat_vector_info() {
  LayerInfo info;
  info.type = "RepeatVector";
  info.doc = "Repeats its input n times: (features) -> (n, features).";
  info.args = {required(int_arg("n", std::nullopt, "number of repetitions", 1))};
  info.create = create_layer<RepeatVector>;
  return info;
}

}  // namespace yamlnet
