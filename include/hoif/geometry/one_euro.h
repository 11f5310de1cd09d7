#pragma once
// The One Euro filter (Casiez, Roussel and Vogel, CHI 2012): a low-pass filter whose cut-off
// rises with speed, so that a still joint stops jittering while a fast one does not lag.
#include <cstdint>
#include <vector>

namespace hoif {

struct OneEuroParams {
  double min_cutoff = 1.0;  // Hz: the cut-off at rest (lower: steadier, more lag when slow)
  double beta = 1.0;        // cut-off gain per unit of speed (units of the signal per second)
  double d_cutoff = 1.0;    // Hz: the cut-off of the speed estimate
};

// Filters one signal sampled at `rate` Hz, in place.
void one_euro_filter(std::vector<double>& signal, double rate, const OneEuroParams& params);

}  // namespace hoif
