// Value checks for flags, with messages that say what was given and what is accepted.
// CLI11's own PositiveNumber and NonNegativeNumber print the largest double (a 300-digit
// number) as their bound.
#pragma once

#include <CLI/CLI.hpp>

namespace nnlab::cli {

CLI::Validator positive();      // > 0
CLI::Validator non_negative();  // >= 0
// For list flags (--hidden 512,256): an empty item ("1,,2") is a mistake, not nothing.
CLI::Validator no_empty_items();

}  // namespace nnlab::cli
