#include "hoif/geometry/one_euro.h"

#include <cmath>
#include <numbers>

namespace hoif {

namespace {

// The smoothing factor of an exponential filter with this cut-off at this sampling period.
double alpha(double cutoff, double period) {
  const double tau = 1.0 / (2.0 * std::numbers::pi * cutoff);
  return 1.0 / (1.0 + tau / period);
}

}  // namespace

void one_euro_filter(std::vector<double>& x, double rate, const OneEuroParams& p) {
  if (x.empty()) return;
  const double period = 1.0 / rate;
  double previous = x[0], speed = 0.0;
  for (size_t i = 1; i < x.size(); ++i) {
    const double raw_speed = (x[i] - previous) / period;
    speed += alpha(p.d_cutoff, period) * (raw_speed - speed);
    const double cutoff = p.min_cutoff + p.beta * std::abs(speed);
    x[i] = previous + alpha(cutoff, period) * (x[i] - previous);
    previous = x[i];
  }
}

}  // namespace hoif
