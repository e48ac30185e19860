// nnlab study copy: a study moved between storages of any backends (Optuna's copy_study).
#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/tune/storage.h"

namespace nnlab::tune {

std::vector<std::string> copy_studies(Storage& from, Storage& to, const std::string& name) {
  std::vector<StudyRecord> studies;
  if (name.empty()) {
    studies = from.list_studies();
  } else if (auto s = from.find_study(name)) {
    studies.push_back(std::move(*s));
  } else {
    throw ConfigError(fmt::format("no study '{}' in {}", name, from.url()));
  }
  // Refuse before writing anything, so that a copy is all or nothing per call.
  for (auto& s : studies)
    if (to.find_study(s.name))
      throw ConfigError(fmt::format("{} already holds a study '{}'; copy it to another storage or delete it there",
                                    to.url(), s.name));
  std::vector<std::string> copied;
  for (auto& s : studies) {
    to.import_study(s, from.load_trials(s.id), from.claim_holders(s.id));
    copied.push_back(s.name);
  }
  return copied;
}

}  // namespace nnlab::tune
