#include "hoif/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hoif/core/error.h"

namespace hoif {

namespace fs = std::filesystem;

namespace {

// umask() can only be read by setting it; do that once while the program is single-threaded.
const mode_t process_umask = [] {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}();

}  // namespace

PendingFile::PendingFile(fs::path target) : target_(std::move(target)) {
  temporary_ = target_.parent_path() / ("." + target_.filename().string() + ".tmp-" + std::to_string(::getpid()));
  if (target_.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(target_.parent_path(), ec);
    if (ec) fail(target_.string(), "cannot create its folder: " + ec.message());
  }
}

PendingFile::~PendingFile() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove(temporary_, ignored);
  }
}

void PendingFile::commit() {
  if (::chmod(temporary_.c_str(), 0666 & ~process_umask) != 0) fail(target_.string(), "cannot set its permissions");
  std::error_code ec;
  fs::rename(temporary_, target_, ec);
  if (ec) fail(target_.string(), "cannot replace the file: " + ec.message());
  committed_ = true;
}

void write_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
  PendingFile file(path);
  write(file.path());
  file.commit();
}

void write_file_atomically(const fs::path& path, std::string_view bytes) {
  write_atomically(path, [&](const fs::path& tmp) {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail(path.string(), std::string("cannot create the file: ") + std::strerror(errno));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int error = n < 0 ? errno : ENOSPC;
        ::close(fd);
        fail(path.string(), std::string("cannot write the file: ") + std::strerror(error));
      }
      done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) fail(path.string(), std::string("cannot write the file: ") + std::strerror(errno));
  });
}

}  // namespace hoif
