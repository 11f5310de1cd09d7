#pragma once
// The .npy format (versions 1-3): numeric arrays, unicode string arrays and pickled object arrays.
#include <cstdint>
#include <string>
#include <vector>

#include "hoif/core/array.h"
#include "hoif/io/pickle.h"

namespace hoif {

enum class DType { f4, f8, i1, i2, i4, i8, u1, u2, u4, u8, b1 };

int dtype_size(DType t);
std::string dtype_descr(DType t);  // numpy's descr, e.g. "<f4", "|u1"

// A numeric n-d array as stored on disk (little-endian, C order).
struct NdArray {
  DType dtype = DType::f4;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  int64_t count() const { return Array<float>::count(shape); }
  // Converts any numeric dtype but bool to float / double; `where` names the source in errors.
  ArrayF to_float(const std::string& where) const;
  ArrayD to_double(const std::string& where) const;
  std::vector<int64_t> to_int64(const std::string& where) const;
  static NdArray from(const ArrayF& a);
  static NdArray from(const Array<int64_t>& a);
};

// What a .npy holds: a numeric array, a 1-d unicode string array (descr '<U<n>'), or (descr '|O')
// a pickled object array.
struct NpyContent {
  bool is_object = false, is_unicode = false;
  NdArray array;                     // when numeric
  std::vector<std::string> strings;  // when is_unicode, UTF-8
  py::Document doc;                  // when is_object; the root is the object ndarray
};

// Parses a whole .npy file held in memory; `where` names it in errors.
NpyContent parse_npy(const std::vector<uint8_t>& bytes, const std::string& where);

std::vector<uint8_t> encode_npy(const NdArray& array);
// A 0-d object array holding `doc`'s root, the way numpy saves a dict with allow_pickle; when the
// root is itself an object ndarray, that array with its own shape.
std::vector<uint8_t> encode_npy_object(const py::Document& doc);
// A 1-d numpy unicode array ('<U<n>', UTF-32), which numpy loads without allow_pickle.
std::vector<uint8_t> encode_npy_strings(const std::vector<std::string>& strings);
// The strings of a 1-d unicode array, as encode_npy_strings writes, or of a 1-d object array of
// str, as hoif wrote them before; an error naming `where` for anything else.
std::vector<std::string> decode_npy_strings(const NpyContent& content, const std::string& where);

}  // namespace hoif
