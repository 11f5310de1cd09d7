#pragma once
// A dense, row-major, owning n-d array: the currency of the data layer. Kept free of LibTorch
// so that reading and preparing data compiles and runs without it; training wraps the buffer.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace hoif {

template <class T>
struct Array {
  std::vector<int64_t> shape;
  std::vector<T> values;

  Array() = default;
  explicit Array(std::vector<int64_t> shape_, T fill = T{})
      : shape(std::move(shape_)), values(static_cast<size_t>(count(shape)), fill) {}

  static int64_t count(const std::vector<int64_t>& s) {
    return std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<>());
  }
  int64_t size() const { return static_cast<int64_t>(values.size()); }
  int64_t dim(size_t i) const { return shape.at(i); }
  size_t ndim() const { return shape.size(); }
  T* data() { return values.data(); }
  const T* data() const { return values.data(); }
};

using ArrayF = Array<float>;
using ArrayD = Array<double>;

// Whether every value is a number (no NaN, no infinity).
inline bool all_finite(const ArrayF& a) {
  for (float v : a.values)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace hoif
