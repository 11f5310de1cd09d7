#pragma once
// Never half-write a user's file: write next to the target, then rename over it.
#include <filesystem>
#include <functional>
#include <string_view>

namespace hoif {

// A hidden temporary beside the target. commit() gives it the permissions a newly created file
// gets (0666 less the umask; some writers, such as giflib, create files 0600) and renames it over
// the target; without commit() the temporary is removed and the target is left as it was.
class PendingFile {
 public:
  explicit PendingFile(std::filesystem::path target);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  const std::filesystem::path& path() const { return temporary_; }
  void commit();

 private:
  std::filesystem::path target_, temporary_;
  bool committed_ = false;
};

// Calls write(tmp_path) on a PendingFile of path and commits it.
void write_atomically(const std::filesystem::path& path,
                      const std::function<void(const std::filesystem::path&)>& write);

// Any bytes (text or binary); a failed write (a full disk, a file size limit) is one error naming
// the file, and the file is left as it was.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace hoif
