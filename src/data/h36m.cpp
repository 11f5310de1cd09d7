#include "hoif/data/h36m.h"

#include <algorithm>
#include <map>

namespace hoif {

const std::vector<std::string>& h36m_subjects() {
  static const std::vector<std::string> s = {"S1", "S5", "S6", "S7", "S8", "S9", "S11"};
  return s;
}
const std::vector<std::string>& h36m_train_subjects() {
  static const std::vector<std::string> s = {"S1", "S5", "S6", "S7", "S8"};
  return s;
}
const std::vector<std::string>& h36m_test_subjects() {
  static const std::vector<std::string> s = {"S9", "S11"};
  return s;
}
bool is_test_subject(const std::string& subject) { return subject == "S9" || subject == "S11"; }

const std::vector<std::string>& h36m_actions() {
  static const std::vector<std::string> a = {"Directions", "Discussion", "Eating",      "Greeting", "Phoning",
                                             "Photo",      "Posing",     "Purchases",   "Sitting",  "SittingDown",
                                             "Smoking",    "Waiting",    "WalkDog",     "Walking",  "WalkTogether"};
  return a;
}

std::string action_of_take(const std::string& take) { return take.substr(0, take.find(' ')); }

int action_index(const std::string& action) {
  const auto& a = h36m_actions();
  auto it = std::find(a.begin(), a.end(), action);
  return it == a.end() ? -1 : static_cast<int>(it - a.begin());
}

const std::vector<std::string>& h36m_takes(const std::string& subject) {
  // Take numbers differ between subjects; these are the file names of the archive.
  static const std::map<std::string, std::vector<std::string>> takes = {
      {"S1", {"Directions", "Directions 1", "Discussion", "Discussion 1", "Eating", "Eating 2", "Greeting",
              "Greeting 1", "Phoning", "Phoning 1", "Photo", "Photo 1", "Posing", "Posing 1", "Purchases",
              "Purchases 1", "Sitting 1", "Sitting 2", "SittingDown", "SittingDown 2", "Smoking", "Smoking 1",
              "Waiting", "Waiting 1", "WalkDog", "WalkDog 1", "WalkTogether", "WalkTogether 1", "Walking",
              "Walking 1"}},
      {"S5", {"Directions 1", "Directions 2", "Discussion 2", "Discussion 3", "Eating", "Eating 1", "Greeting 1",
              "Greeting 2", "Phoning", "Phoning 1", "Photo", "Photo 2", "Posing", "Posing 1", "Purchases",
              "Purchases 1", "Sitting", "Sitting 1", "SittingDown", "SittingDown 1", "Smoking", "Smoking 1",
              "Waiting 1", "Waiting 2", "WalkDog", "WalkDog 1", "WalkTogether", "WalkTogether 1", "Walking",
              "Walking 1"}},
      {"S6", {"Directions", "Directions 1", "Discussion", "Discussion 1", "Eating 1", "Eating 2", "Greeting",
              "Greeting 1", "Phoning", "Phoning 1", "Photo", "Photo 1", "Posing", "Posing 2", "Purchases",
              "Purchases 1", "Sitting 1", "Sitting 2", "SittingDown", "SittingDown 1", "Smoking", "Smoking 1",
              "Waiting", "Waiting 3", "WalkDog", "WalkDog 1", "WalkTogether", "WalkTogether 1", "Walking",
              "Walking 1"}},
      {"S7", {"Directions", "Directions 1", "Discussion", "Discussion 1", "Eating", "Eating 1", "Greeting",
              "Greeting 1", "Phoning", "Phoning 2", "Photo", "Photo 1", "Posing", "Posing 1", "Purchases",
              "Purchases 1", "Sitting", "Sitting 1", "SittingDown", "SittingDown 1", "Smoking", "Smoking 1",
              "Waiting 1", "Waiting 2", "WalkDog", "WalkDog 1", "WalkTogether", "WalkTogether 1", "Walking 1",
              "Walking 2"}},
      {"S8", {"Directions", "Directions 1", "Discussion", "Discussion 1", "Eating", "Eating 1", "Greeting",
              "Greeting 1", "Phoning", "Phoning 1", "Photo", "Photo 1", "Posing", "Posing 1", "Purchases",
              "Purchases 1", "Sitting", "Sitting 1", "SittingDown", "SittingDown 1", "Smoking", "Smoking 1",
              "Waiting", "Waiting 1", "WalkDog", "WalkDog 1", "WalkTogether 1", "WalkTogether 2", "Walking",
              "Walking 1"}},
      {"S9", {"Directions", "Directions 1", "Discussion 1", "Discussion 2", "Eating", "Eating 1", "Greeting",
              "Greeting 1", "Phoning", "Phoning 1", "Photo", "Photo 1", "Posing", "Posing 1", "Purchases",
              "Purchases 1", "Sitting", "Sitting 1", "SittingDown", "SittingDown 1", "Smoking", "Smoking 1",
              "Waiting", "Waiting 1", "WalkDog", "WalkDog 1", "WalkTogether", "WalkTogether 1", "Walking",
              "Walking 1"}},
      {"S11", {"Directions", "Directions 1", "Discussion 1", "Discussion 2", "Eating", "Eating 1", "Greeting",
               "Greeting 2", "Phoning 2", "Phoning 3", "Photo", "Photo 1", "Posing", "Posing 1", "Purchases",
               "Purchases 1", "Sitting", "Sitting 1", "SittingDown", "SittingDown 1", "Smoking", "Smoking 2",
               "Waiting", "Waiting 1", "WalkDog", "WalkDog 1", "WalkTogether", "WalkTogether 1", "Walking",
               "Walking 1"}},
  };
  static const std::vector<std::string> none;
  auto it = takes.find(subject);
  return it == takes.end() ? none : it->second;
}

bool is_excluded_take(const std::string& subject, const std::string& take) {
  return subject == "S11" && take == "Directions";
}

}  // namespace hoif
