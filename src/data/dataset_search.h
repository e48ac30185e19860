// Finding a named dataset on disk, and the message that says how to get one that is missing.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace nnlab::data::detail {

// The first of `alternatives` that exists in `dir`; empty when none does.
std::filesystem::path first_existing(const std::filesystem::path& dir, const std::vector<std::string>& alternatives);

// The places the Python tools leave CIFAR's Python version: Keras's datasets folder (and
// Keras 3's extraction folder in it) and ./data, torchvision's usual root.
void add_python_tool_dirs(std::string_view name, std::vector<std::filesystem::path>& dirs);

// "dataset NAME not found", every directory searched and what each lacks, the files
// expected and where the dataset is published.
std::string missing_dataset_message(std::string_view name, const std::filesystem::path& data_dir);

}  // namespace nnlab::data::detail
