#include "hoif/io/zip.h"

#include <zip.h>

#include <algorithm>
#include <unordered_set>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"

namespace hoif {

static zip_t* handle(void* p) { return static_cast<zip_t*>(p); }

ZipReader::ZipReader(const std::string& path) : name_(path) {
  int err = 0;
  archive_ = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!archive_) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string msg = err == ZIP_ER_NOENT ? "no such file" : err == ZIP_ER_NOZIP ? "not a zip file (truncated or corrupt)" : zip_error_strerror(&ze);
    zip_error_fini(&ze);
    fail(path, msg);
  }
  list();
}

ZipReader::ZipReader(const uint8_t* data, size_t size, std::string name) : name_(std::move(name)) {
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* src = zip_source_buffer_create(data, size, 0, &ze);
  if (!src) {
    zip_error_fini(&ze);
    fail(name_, "cannot read buffer");
  }
  archive_ = zip_open_from_source(src, ZIP_RDONLY, &ze);
  if (!archive_) {
    zip_source_free(src);
    std::string msg = zip_error_code_zip(&ze) == ZIP_ER_NOZIP ? "not a zip file (truncated or corrupt)" : zip_error_strerror(&ze);
    zip_error_fini(&ze);
    fail(name_, msg);
  }
  zip_error_fini(&ze);
  list();
}

ZipReader::~ZipReader() {
  if (archive_) zip_discard(handle(archive_));
}

void ZipReader::list() {
  const zip_int64_t n = zip_get_num_entries(handle(archive_), 0);
  std::unordered_set<std::string> seen;
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(handle(archive_), static_cast<zip_uint64_t>(i), 0);
    if (!name) continue;
    std::string entry(name);
    // libzip would read the first of two equal names and another reader the second.
    if (!seen.insert(entry).second) {
      zip_discard(handle(archive_));
      archive_ = nullptr;
      fail(name_, "corrupt: the entry '" + entry + "' appears twice");
    }
    entries_.push_back(std::move(entry));
  }
}

bool ZipReader::contains(const std::string& entry) const {
  return std::find(entries_.begin(), entries_.end(), entry) != entries_.end();
}

std::vector<uint8_t> ZipReader::read(const std::string& entry, uint64_t max_bytes) const {
  const std::string where = name_ + ":" + entry;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(handle(archive_), entry.c_str(), 0, &st) != 0) fail(where, "no such entry in the archive");
  if (!(st.valid & ZIP_STAT_SIZE)) fail(where, "entry has no size");
  if (st.size > max_bytes) fail(where, "entry too large (" + std::to_string(st.size) + " bytes)");
  zip_file_t* f = zip_fopen(handle(archive_), entry.c_str(), 0);
  if (!f) fail(where, std::string("cannot open: ") + zip_strerror(handle(archive_)));
  // The declared size is not trusted for allocation: the buffer grows only as data arrives,
  // so a forged header cannot make us reserve gigabytes. Reading one byte past the declared
  // size also lets libzip verify the CRC.
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(std::min<zip_uint64_t>(st.size, zip_uint64_t(1) << 24)));
  constexpr zip_uint64_t chunk = zip_uint64_t(1) << 20;
  for (;;) {
    const size_t have = out.size();
    // Room for the rest of the declared size and one byte more (to see the end), at most a chunk
    // at a time: zero-filling a whole chunk for every small entry made loads slow.
    const zip_uint64_t left = st.size > have ? st.size - have : 0;
    const auto room = static_cast<size_t>(std::min(left + 1, chunk));
    out.resize(have + room);
    const zip_int64_t got = zip_fread(f, out.data() + have, room);
    if (got < 0) {
      std::string msg = zip_file_strerror(f);
      zip_fclose(f);
      fail(where, "corrupt compressed data (" + msg + ")");
    }
    out.resize(have + static_cast<size_t>(got));
    if (got == 0) break;
    if (out.size() > st.size) {
      zip_fclose(f);
      fail(where, "corrupt entry (more data than its declared size)");
    }
  }
  zip_fclose(f);
  if (out.size() != st.size) fail(where, "corrupt entry (less data than its declared size)");
  return out;
}

namespace {

// Adds the entries to an archive being written; false (with the archive discarded) on failure.
bool add_entries(zip_t* z, const ZipEntries& entries, Compression compression) {
  for (const auto& [entry, bytes] : entries) {
    zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    if (!src) return false;
    const zip_int64_t idx = zip_file_add(z, entry.c_str(), src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(src);
      return false;
    }
    if (compression == Compression::fast)
      zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 1);
    else
      zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);
  }
  return true;
}

}  // namespace

void write_zip(const std::string& path, const ZipEntries& entries, Compression compression) {
  write_atomically(path, [&](const std::filesystem::path& tmp) {
    int err = 0;
    zip_t* z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) fail(path, "cannot create the file");
    if (!add_entries(z, entries, compression)) {
      zip_discard(z);
      fail(path, "cannot add the entries");
    }
    if (zip_close(z) != 0) {
      std::string msg = zip_strerror(z);
      zip_discard(z);
      fail(path, "cannot write: " + msg);
    }
  });
}

std::string zip_in_memory(const ZipEntries& entries, const std::string& name) {
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &ze);
  zip_t* z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : nullptr;
  zip_error_fini(&ze);
  if (!z) {
    if (src) zip_source_free(src);
    fail(name, "cannot build a zip in memory");
  }
  zip_source_keep(src);  // closing the archive writes into src, read back below
  if (!add_entries(z, entries, Compression::store) || zip_close(z) != 0) {
    zip_discard(z);
    zip_source_free(src);
    fail(name, "cannot build a zip in memory");
  }
  std::string bytes;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
    bytes.resize(static_cast<size_t>(st.size));
    const zip_int64_t got = zip_source_read(src, bytes.data(), st.size);
    zip_source_close(src);
    if (got != static_cast<zip_int64_t>(st.size)) bytes.clear();
  }
  zip_source_free(src);
  if (bytes.empty()) fail(name, "cannot build a zip in memory");
  return bytes;
}

}  // namespace hoif
