// libFuzzer target: CSV tables with a header, and scikit-learn's counts-header tables.
#include <cstdint>
#include <string>
#include <string_view>

#include "data/csv_reader.h"
#include "nnlab/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nnlab::data::detail;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first byte picks the --target, so names, indices and the default all get exercised.
  const std::string target = size == 0 ? "" : data[0] % 4 == 0 ? "" : data[0] % 4 == 1 ? "-1" : data[0] % 4 == 2 ? "b" : "0";
  try {
    parse_csv_table(text, "fuzz.csv", target).check();
  } catch (const nnlab::Error&) {  // DataError for the file, ConfigError for the target
  }
  try {
    parse_sklearn_table(text, "fuzz.csv", {}).check();
  } catch (const nnlab::DataError&) {
  }
  try {
    parse_sklearn_table(text, "digits.csv", {false, 3, 2, {"a", "b", "c"}}).check();
  } catch (const nnlab::DataError&) {
  }
  return 0;
}
