#include "hoif/io/npz.h"

#include "hoif/core/error.h"

namespace hoif {

NpzReader::NpzReader(const std::string& path) : zip_(std::make_unique<ZipReader>(path)) {}

NpzReader::NpzReader(const uint8_t* data, size_t size, std::string name)
    : zip_(std::make_unique<ZipReader>(data, size, std::move(name))) {}

std::vector<std::string> NpzReader::keys() const {
  std::vector<std::string> out;
  for (const auto& e : zip_->entries())
    if (e.size() > 4 && e.compare(e.size() - 4, 4, ".npy") == 0) out.push_back(e.substr(0, e.size() - 4));
  return out;
}

bool NpzReader::has(const std::string& key) const { return zip_->contains(key + ".npy"); }

NpyContent NpzReader::load(const std::string& key) const {
  if (!has(key)) fail(path(), "has no array named '" + key + "'");
  return parse_npy(zip_->read(key + ".npy"), path() + ":" + key);
}

NdArray NpzReader::array(const std::string& key) const {
  NpyContent c = load(key);
  if (c.is_object) fail(path() + ":" + key, "is an object array, expected numbers");
  return std::move(c.array);
}

void write_npz(const std::string& path, std::vector<NpzEntry> entries, Compression compression) {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> files;
  for (auto& e : entries) files.emplace_back(e.key + ".npy", std::move(e.npy));
  write_zip(path, files, compression);
}

}  // namespace hoif
