#pragma once
// Correctly rounded square roots of Eigen arrays, for the optimizers. Eigen's fast-math packet sqrt for
// float (an approximate reciprocal root and one Newton step) differs in the last bits from the scalar sqrt
// it takes for the values before and after the aligned packets, and which values take which path depends
// on where a buffer starts in memory: an Adam step depended on heap addresses, and a row updated alone (a
// sparse step) differed from the same row updated with its whole table. The hardware's sqrt instructions
// are exact, as TensorFlow's sqrt is, and still run a packet at a time.
#include <Eigen/Core>
#include <cmath>

namespace yamlnet {

namespace exact_sqrt_detail {

#ifdef EIGEN_VECTORIZE_AVX
inline Eigen::internal::Packet8f packet_sqrt(const Eigen::internal::Packet8f& x) {
  return _mm256_sqrt_ps(x);
}
#endif
#ifdef EIGEN_VECTORIZE_SSE
inline Eigen::internal::Packet4f packet_sqrt(const Eigen::internal::Packet4f& x) {
  return _mm_sqrt_ps(x);
}
#endif
// Double packets: Eigen's sqrt is the exact instruction already.
template <class Packet>
Packet packet_sqrt(const Packet& x) {
  return Eigen::internal::psqrt(x);
}

}  // namespace exact_sqrt_detail

struct ExactSqrt {
  template <class Scalar>
  Scalar operator()(const Scalar& x) const {
    return std::sqrt(x);
  }
  template <class Packet>
  Packet packetOp(const Packet& x) const {
    return exact_sqrt_detail::packet_sqrt(x);
  }
};

// sqrt(a) of an array expression, correctly rounded.
template <class Derived>
auto exact_sqrt(const Eigen::ArrayBase<Derived>& a) {
  return a.unaryExpr(ExactSqrt());
}

}  // namespace yamlnet

namespace Eigen::internal {
template <>
struct functor_traits<yamlnet::ExactSqrt> {
  enum { Cost = 5 * NumTraits<float>::MulCost, PacketAccess = true };
};
}  // namespace Eigen::internal
