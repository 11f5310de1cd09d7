#include "hoif/data/track_columns.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "hoif/core/error.h"
#include "hoif/io/npy.h"

namespace hoif {

namespace {

std::vector<uint8_t> int64_column(const std::vector<int64_t>& values) {
  Array<int64_t> a({static_cast<int64_t>(values.size())});
  a.values = values;
  return encode_npy(NdArray::from(a));
}

// The column `key` with one non-negative entry per row, or `fallback` when the file has none.
std::vector<int64_t> column(const NpzReader& npz, const std::string& key, int64_t rows, std::vector<int64_t> fallback,
                            const std::string& path) {
  if (!npz.has(key)) return fallback;
  std::vector<int64_t> v = npz.array(key).to_int64(path + ":" + key);
  if (static_cast<int64_t>(v.size()) != rows) fail(path, key + " must have one entry per row");
  if (std::any_of(v.begin(), v.end(), [](int64_t x) { return x < 0; })) fail(path, key + " must not be negative");
  return v;
}

}  // namespace

void append_track_columns(std::vector<NpzEntry>& entries, const TrackColumns& c) {
  std::vector<int64_t> lost(c.frame.size(), 0);
  std::copy(c.lost.begin(), c.lost.end(), lost.begin());
  entries.push_back({"frame", int64_column(c.frame)});
  entries.push_back({"person", int64_column(c.person)});
  entries.push_back({"lost", int64_column(lost)});
  entries.push_back({"image_size", int64_column({c.width, c.height})});
}

TrackColumns read_track_columns(const NpzReader& npz, int64_t rows, const std::string& path) {
  TrackColumns c;
  std::vector<int64_t> counting(static_cast<size_t>(rows));
  std::iota(counting.begin(), counting.end(), 0);
  c.frame = column(npz, "frame", rows, std::move(counting), path);
  c.person = column(npz, "person", rows, std::vector<int64_t>(static_cast<size_t>(rows), 0), path);
  for (int64_t v : column(npz, "lost", rows, {}, path)) c.lost.push_back(v != 0);
  if (npz.has("image_size")) {
    const auto size = npz.array("image_size").to_int64(path + ":image_size");
    constexpr int64_t kLargest = std::numeric_limits<int>::max();
    if (size.size() != 2 || std::any_of(size.begin(), size.end(), [](int64_t x) { return x < 0 || x > kLargest; }))
      fail(path, "image_size must be (width, height)");
    c.width = static_cast<int>(size[0]);
    c.height = static_cast<int>(size[1]);
  }
  return c;
}

}  // namespace hoif
