#include "board/study_reader.h"

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/tune/importance.h"
#include "nnlab/tune/storage.h"
#include "nnlab/tune/study_summary.h"

namespace nnlab::board {

using nlohmann::json;

namespace {

// A page polls every few seconds: a storage busy for longer is reported, not waited for.
constexpr double kPatienceS = 1.0;

std::unique_ptr<tune::Storage> open_read_only(const std::string& url) {
  return tune::open_storage(url, tune::StorageAccess::ReadOnly, kPatienceS);
}

}  // namespace

json list_studies(const std::vector<std::string>& urls) {
  json storages = json::array();
  for (size_t i = 0; i < urls.size(); ++i) {
    json s{{"index", i}, {"url", tune::redact_storage_url(urls[i])}};
    try {
      auto storage = open_read_only(urls[i]);
      json studies = json::array();
      for (const tune::StudyRecord& record : storage->list_studies())
        studies.push_back(tune::study_summary(record, storage->load_trials(record.id)));
      s["studies"] = std::move(studies);
    } catch (const std::exception& e) {  // nnlab::Error, and whatever a damaged file may raise
      s["error"] = e.what();
    }
    storages.push_back(std::move(s));
  }
  return {{"storages", std::move(storages)}};
}

json study_detail(const std::string& url, const std::string& name) {
  auto storage = open_read_only(url);
  const std::optional<tune::StudyRecord> record = storage->find_study(name);
  if (!record)
    throw ConfigError(fmt::format("no study '{}' in {}", name, tune::redact_storage_url(url)));
  const std::vector<tune::FrozenTrial> trials = storage->load_trials(record->id);
  json trial_rows = json::array();
  for (const tune::FrozenTrial& t : trials) {
    json j = tune::trial_to_json(t);
    j["counted"] = t.counted;
    trial_rows.push_back(std::move(j));
  }
  json importance = json::array();
  for (const tune::ParamImportance& p : tune::parameter_importance(record->space, trials))
    importance.push_back({{"name", p.name}, {"importance", p.importance}, {"trials", p.trials}});
  return {{"summary", tune::study_summary(*record, trials)},
          {"trials", std::move(trial_rows)},
          {"importance", std::move(importance)}};
}

}  // namespace nnlab::board
