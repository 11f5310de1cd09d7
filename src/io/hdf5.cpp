#include "hoif/io/hdf5.h"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <filesystem>

#include "hoif/core/error.h"

namespace hoif {

namespace {

// HDF5 prints its error stack to stderr by default; hoif reports its own one-line errors.
void silence_hdf5() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

struct Closer {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Closer() {
    if (id >= 0) close(id);
  }
};

}  // namespace

H5File::H5File(const std::string& path) : name_(path) {
  silence_hdf5();
  if (!std::filesystem::exists(path)) fail(path, "no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) fail(path, "not an HDF5 file (truncated or corrupt)");
  file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file_ < 0) fail(path, "cannot open as HDF5 (truncated or corrupt)");
}

H5File::H5File(const std::vector<uint8_t>& image, std::string name) : name_(std::move(name)) {
  silence_hdf5();
  if (image.size() < 8) fail(name_, "not an HDF5 file (truncated or corrupt)");
  file_ = H5LTopen_file_image(const_cast<uint8_t*>(image.data()), image.size(),
                              H5LT_FILE_IMAGE_DONT_COPY | H5LT_FILE_IMAGE_DONT_RELEASE);
  if (file_ < 0) fail(name_, "not an HDF5 file (truncated or corrupt)");
}

H5File::~H5File() {
  if (file_ >= 0) H5Fclose(file_);
}

bool H5File::has(const std::string& object_path) const {
  // H5Lexists needs every intermediate link to exist, so walk the path.
  std::string partial;
  size_t start = object_path[0] == '/' ? 1 : 0;
  while (start <= object_path.size()) {
    size_t slash = object_path.find('/', start);
    partial += "/" + object_path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (H5Lexists(file_, partial.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

std::vector<int64_t> H5File::shape(const std::string& dataset) const {
  if (!has(dataset)) fail(name_, "has no dataset '" + dataset + "'");
  Closer ds{H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT), H5Dclose};
  if (ds.id < 0) fail(name_, "cannot open dataset '" + dataset + "'");
  Closer space{H5Dget_space(ds.id), H5Sclose};
  const int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank < 0 || rank > 8) fail(name_, "dataset '" + dataset + "' has an unsupported rank");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

template <class T>
Array<T> H5File::read(const std::string& dataset, int64_t mem_type) const {
  Array<T> out;
  out.shape = shape(dataset);
  Closer ds{H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT), H5Dclose};
  Closer type{H5Dget_type(ds.id), H5Tclose};
  if (H5Tget_class(type.id) != H5T_FLOAT && H5Tget_class(type.id) != H5T_INTEGER)
    fail(name_, "dataset '" + dataset + "' is not numeric");
  const int64_t n = Array<T>::count(out.shape);
  if (n > (int64_t(1) << 34)) fail(name_, "dataset '" + dataset + "' is too large");
  out.values.resize(static_cast<size_t>(n));
  if (n > 0 && H5Dread(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) < 0)
    fail(name_, "cannot read dataset '" + dataset + "' (truncated or corrupt)");
  return out;
}

ArrayF H5File::read_float(const std::string& dataset) const { return read<float>(dataset, H5T_NATIVE_FLOAT); }
ArrayD H5File::read_double(const std::string& dataset) const { return read<double>(dataset, H5T_NATIVE_DOUBLE); }

}  // namespace hoif
