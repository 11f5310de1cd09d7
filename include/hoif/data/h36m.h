#pragma once
// Human3.6M naming: subjects, the 15 actions, the 30 takes each subject recorded, and the
// protocol's split and exclusions.
#include <string>
#include <vector>

namespace hoif {

const std::vector<std::string>& h36m_subjects();        // S1 S5 S6 S7 S8 S9 S11
const std::vector<std::string>& h36m_train_subjects();  // S1 S5 S6 S7 S8
const std::vector<std::string>& h36m_test_subjects();   // S9 S11
const std::vector<std::string>& h36m_actions();         // the 15 actions, alphabetical
bool is_test_subject(const std::string& subject);

// The action of a take is its name before the first space ("Walking 1" -> "Walking").
std::string action_of_take(const std::string& take);
// Index into h36m_actions(), or -1.
int action_index(const std::string& action);

// The 30 takes of a subject as named in the 3d-pose-baseline archive (empty for unknown subjects).
const std::vector<std::string>& h36m_takes(const std::string& subject);
// S11 "Directions" is excluded by the protocol (its video is corrupt).
bool is_excluded_take(const std::string& subject, const std::string& take);

}  // namespace hoif
