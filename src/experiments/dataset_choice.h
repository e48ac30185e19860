// The dataset an experiment asks for, or the fallback it runs on when that one is not
// found, with what the report needs to tell the user where to put the wanted one.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace nnlab::experiments {

// {"wanted", "used", "fallback" (bool), "found_in" (where the wanted one is, or null),
//  "searched" [dirs], "files" [what a directory must hold], "published"}
nlohmann::json choose_dataset(const std::string& wanted, const std::string& fallback,
                              const std::filesystem::path& data_dir);

// The report's paragraph about it: which dataset was used, and for a fallback where the
// wanted one was looked for, which files it needs and where it is published.
std::string dataset_note(const nlohmann::json& choice);

}  // namespace nnlab::experiments
