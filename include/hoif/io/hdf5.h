#pragma once
// Read-only access to HDF5 files (from disk, or from memory when they sit inside a zip):
// float32 and float64 datasets alike, compressed or not.
#include <cstdint>
#include <string>
#include <vector>

#include "hoif/core/array.h"

namespace hoif {

class H5File {
 public:
  explicit H5File(const std::string& path);
  // An in-memory file image the caller keeps alive; `name` is used in errors.
  H5File(const std::vector<uint8_t>& image, std::string name);
  ~H5File();
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;

  bool has(const std::string& object_path) const;
  std::vector<int64_t> shape(const std::string& dataset) const;
  ArrayF read_float(const std::string& dataset) const;
  ArrayD read_double(const std::string& dataset) const;
  const std::string& name() const { return name_; }

 private:
  template <class T>
  Array<T> read(const std::string& dataset, int64_t mem_type) const;
  std::string name_;
  int64_t file_ = -1;  // hid_t
};

}  // namespace hoif
