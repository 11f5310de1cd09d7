#pragma once
// Reading zip files (npz files and the Human3.6M archive) from disk or memory, and writing
// npz-style archives atomically.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hoif {

class ZipReader {
 public:
  explicit ZipReader(const std::string& path);
  // Reads from a buffer the caller keeps alive; `name` is used in errors.
  ZipReader(const uint8_t* data, size_t size, std::string name);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  const std::vector<std::string>& entries() const { return entries_; }
  bool contains(const std::string& entry) const;
  // The whole uncompressed entry; refuses entries over max_bytes.
  std::vector<uint8_t> read(const std::string& entry, uint64_t max_bytes = uint64_t(8) << 30) const;
  const std::string& name() const { return name_; }

 private:
  void list();
  std::string name_;
  void* archive_ = nullptr;  // zip_t*
  std::vector<std::string> entries_;
};

enum class Compression { store, fast };

// (entry name, bytes) pairs, in the order they are stored.
using ZipEntries = std::vector<std::pair<std::string, std::vector<uint8_t>>>;

// Writes the entries as a zip, atomically. `fast` is deflate level 1: float arrays compress
// little, and higher levels cost several times the time for a few percent.
void write_zip(const std::string& path, const ZipEntries& entries, Compression compression);

// The entries as a zip file's bytes, stored uncompressed; `name` is used in errors.
std::string zip_in_memory(const ZipEntries& entries, const std::string& name);

}  // namespace hoif
