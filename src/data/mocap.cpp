#include "hoif/data/mocap.h"

#include "hoif/core/error.h"
#include "hoif/data/h36m.h"

namespace hoif {

bool Mocap::has(const std::string& subject, const std::string& take) const {
  auto it = positions.find(subject);
  return it != positions.end() && it->second.count(take) > 0;
}

const ArrayF& Mocap::take(const std::string& subject, const std::string& take_name) const {
  if (!has(subject, take_name)) fail(source, "has no take '" + take_name + "' for " + subject);
  return positions.at(subject).at(take_name);
}

const CameraRig& Mocap::rig(const std::string& subject) const {
  auto it = cameras.find(subject);
  if (it == cameras.end()) fail(source, "has no cameras for " + subject);
  return it->second;
}

std::vector<TakeId> Mocap::absent_takes() const {
  std::vector<TakeId> out;
  for (const auto& subject : h36m_subjects())
    for (const auto& take : h36m_takes(subject))
      if (!is_excluded_take(subject, take) && !has(subject, take)) out.emplace_back(subject, take);
  return out;
}

}  // namespace hoif
