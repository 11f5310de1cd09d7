#include "hoif/training/training_log.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "hoif/core/atomic_file.h"
#include "hoif/core/error.h"

namespace hoif {

namespace {

constexpr const char* kHeader = "epoch,lr,loss_train,error_eval_p1,error_eval_p2,poses_seen,train_seconds";

std::string error_cell(double mm) { return std::isfinite(mm) ? fmt::format("{:.4f}", mm) : ""; }
double error_value(const std::string& cell) {
  return cell.empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(cell);
}

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string c; std::getline(in, c, ',');) cells.push_back(c);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

}  // namespace

void write_training_log(const std::string& path, const std::vector<EpochRecord>& history) {
  std::string csv = std::string(kHeader) + "\n";
  for (const auto& r : history)
    csv += fmt::format("{},{:.8g},{:.8g},{},{},{},{:.1f}\n", r.epoch, r.lr, r.loss, error_cell(r.p1), error_cell(r.p2),
                       r.poses_seen, r.seconds);
  write_file_atomically(path, csv);
}

std::vector<EpochRecord> read_training_log(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot be read");
  std::string line;
  std::getline(in, line);
  if (line.rfind(kHeader, 0) != 0) fail(path, "is not a hoif training log (log.csv)");
  std::vector<EpochRecord> history;
  for (int row = 2; std::getline(in, line); ++row) {
    if (line.empty()) continue;
    const std::vector<std::string> c = cells_of(line);
    try {
      if (c.size() != 7) throw std::invalid_argument("cells");
      history.push_back({std::stoi(c[0]), std::stod(c[1]), std::stod(c[2]), error_value(c[3]), error_value(c[4]),
                         std::stoll(c[5]), std::stod(c[6])});
    } catch (const std::exception&) {
      fail(path, fmt::format("line {} is not a log row", row));
    }
  }
  return history;
}

}  // namespace hoif
