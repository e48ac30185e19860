#include "experiments/dataset_choice.h"

#include <fmt/format.h>

#include "nnlab/data/datasets.h"
#include "nnlab/error.h"

namespace nnlab::experiments {

nlohmann::json choose_dataset(const std::string& wanted, const std::string& fallback,
                              const std::filesystem::path& data_dir) {
  const data::DatasetInfo* info = data::find_dataset_info(wanted);
  if (!info) throw ConfigError(fmt::format("no dataset '{}' is known to nnlab", wanted));
  data::Location where = data::locate_dataset(wanted, data_dir);
  nlohmann::json searched = nlohmann::json::array();
  for (const auto& d : where.searched) searched.push_back(d.string());
  return {{"wanted", wanted},
          {"used", where.dir ? wanted : fallback},
          {"fallback", !where.dir},
          {"found_in", where.dir ? nlohmann::json(where.dir->string()) : nlohmann::json(nullptr)},
          {"searched", searched},
          {"files", info->files},
          {"published", info->published}};
}

std::string dataset_note(const nlohmann::json& c) {
  const std::string wanted = c.at("wanted"), used = c.at("used");
  if (!c.at("fallback").get<bool>())
    return fmt::format("Data: {} from {}.", wanted, c.at("found_in").get<std::string>());
  std::vector<std::string> dirs;
  for (const auto& d : c.at("searched")) dirs.push_back(fmt::format("`{}`", d.get<std::string>()));
  const std::vector<std::string> files = c.at("files");
  return fmt::format(
      "**{} was not found, so this run used {} instead**, and every number below is a {} number. To run on {}, put "
      "{} in one of the directories searched ({}) or in a directory given with --data-dir; it is published at {}.",
      wanted, used, used, wanted, fmt::join(files, "; "), fmt::join(dirs, ", "), c.at("published").get<std::string>());
}

}  // namespace nnlab::experiments
