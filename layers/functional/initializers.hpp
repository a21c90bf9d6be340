#pragma once
// Keras 2 initializers with their exact definitions (fans, the truncated-normal correction, QR orthogonal).
#include "interpreter/core/random.hpp"
#include "interpreter/core/tensor.hpp"
#include "interpreter/spec/arg_spec.hpp"

namespace yamlnet {

const FunctionFamily& initializer_family();

// Fills `out` (shape_size(shape) values) as the initializer `init` (a parsed function value) would.
// Throws ShapeError when the initializer cannot make that shape (identity on a non-matrix).
void initialize(const Value& init, const Shape& shape, Real* out, Random& rng);

// Rows [first_row, first_row + rows) of what `initialize` makes for `shape`, into `out`, without the other
// rows in memory (a table split across processes).
void initialize_rows(const Value& init, const Shape& shape, Index first_row, Index rows, Real* out,
                     Random& rng);

// Keras's _compute_fans.
void compute_fans(const Shape& shape, double& fan_in, double& fan_out);

}  // namespace yamlnet
