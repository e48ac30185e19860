#include "checks.h"

#include <cstdlib>
#include <string>

namespace nnlab::cli {

namespace {

CLI::Validator number_check(bool zero_ok, const char* name) {
  return CLI::Validator(
      [zero_ok](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0') return "'" + text + "' is not a number";
        if (zero_ok ? v < 0 : v <= 0)
          return "'" + text + "' must be " + (zero_ok ? "zero or more" : "more than zero");
        return "";
      },
      name);
}

}  // namespace

CLI::Validator positive() { return number_check(false, "POSITIVE"); }
CLI::Validator non_negative() { return number_check(true, "NON-NEGATIVE"); }

CLI::Validator no_empty_items() {
  return CLI::Validator(
      [](std::string& item) -> std::string { return item.empty() ? "an empty item in the list (two commas?)" : ""; },
      "");
}

}  // namespace nnlab::cli
