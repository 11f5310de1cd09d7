#pragma once
// The per-row columns that tie a pose to its video, shared by hoif's npz files of 2D keypoints
// (hoif detect) and of lifted poses (hoif lift):
//   frame (N,) int64       the frame of each row, 0-based
//   person (N,) int64      the person's index within that frame
//   lost (N,) int64        1 where the detector had lost the person
//   image_size (2,) int64  width, height in pixels (0, 0: not known)
#include <cstdint>
#include <string>
#include <vector>

#include "hoif/io/npz.h"

namespace hoif {

struct TrackColumns {
  std::vector<int64_t> frame, person;
  std::vector<uint8_t> lost;  // empty: never lost
  int width = 0, height = 0;
};

void append_track_columns(std::vector<NpzEntry>& entries, const TrackColumns& columns);
// A file without them holds frames 0..rows-1 of person 0, never lost, of an unknown size.
// Columns of another length or negative values are an Error naming `path`.
TrackColumns read_track_columns(const NpzReader& npz, int64_t rows, const std::string& path);

}  // namespace hoif
