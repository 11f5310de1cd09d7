#pragma once
// The predictions file: `hoif evaluate --export` writes it, `hoif viz --predictions` reads it
// (an npz; docs/DATA.md lists its arrays). It holds a pose set's predictions with everything
// needed to recompute the metrics and to draw them: inputs, targets, which subject, action, take,
// camera and frame each row is, and each camera's rotation and image size.
#include <string>

#include "hoif/core/array.h"
#include "hoif/data/dataset.h"

namespace hoif {

struct PredictionsFile {
  ArrayF predicted;  // (N, J, 3) as the network outputs them: camera frame, metres
  // What was predicted. Its cameras carry only what the file keeps: id, R, width and height.
  PoseSet set;
};

// Written atomically; `predicted` has one row per row of `set`.
void write_predictions_file(const std::string& path, const PoseSet& set, const ArrayF& predicted);
// A clear error naming the file for a missing array, a wrong shape, non-finite values or
// indices that do not fit the name tables.
PredictionsFile read_predictions_file(const std::string& path);

}  // namespace hoif
