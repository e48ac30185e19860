// The library names options by key in backquotes (`batch_size`, see nnlab/option_table.h);
// the CLI shows them as its flags (--batch-size), in help texts and in error messages.
#pragma once

#include <CLI/CLI.hpp>
#include <set>
#include <string>

namespace nnlab::cli {

// `key` becomes flag_for(key); with `flags`, only where that flag is one of them (a
// backquoted word that names no flag stays as it is).
std::string keys_as_flags(const std::string& text, const std::set<std::string>* flags = nullptr);

// The long flags of the program and every verb under it.
std::set<std::string> all_flags(const CLI::App& app);

}  // namespace nnlab::cli
