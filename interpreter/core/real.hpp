#pragma once
// The numeric type of every buffer. The product builds with float; the gradient-check build uses double.
#include <Eigen/Core>
#include <cstddef>

#ifndef YAMLNET_REAL
#define YAMLNET_REAL float
#endif

namespace yamlnet {

using Real = YAMLNET_REAL;
using Index = std::ptrdiff_t;

using RowMatrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;
using ArrayMap = Eigen::Map<Eigen::Array<Real, Eigen::Dynamic, 1>>;
using ConstArrayMap = Eigen::Map<const Eigen::Array<Real, Eigen::Dynamic, 1>>;
using RowVectorMap = Eigen::Map<Eigen::Matrix<Real, 1, Eigen::Dynamic>>;
using ConstRowVectorMap = Eigen::Map<const Eigen::Matrix<Real, 1, Eigen::Dynamic>>;

}  // namespace yamlnet
