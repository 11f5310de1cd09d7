#pragma once
// .npz files: zips of .npy entries, as np.savez / np.savez_compressed write them.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hoif/io/npy.h"
#include "hoif/io/zip.h"

namespace hoif {

class NpzReader {
 public:
  explicit NpzReader(const std::string& path);
  NpzReader(const uint8_t* data, size_t size, std::string name);

  std::vector<std::string> keys() const;  // entry names without ".npy"
  bool has(const std::string& key) const;
  NpyContent load(const std::string& key) const;
  // A numeric array entry; error when it is an object array.
  NdArray array(const std::string& key) const;
  const std::string& path() const { return zip_->name(); }

 private:
  std::unique_ptr<ZipReader> zip_;
};

// What to write under each key: a numeric array or a Python object document.
struct NpzEntry {
  std::string key;
  std::vector<uint8_t> npy;  // from encode_npy or encode_npy_object
};
void write_npz(const std::string& path, std::vector<NpzEntry> entries, Compression compression = Compression::fast);

}  // namespace hoif
