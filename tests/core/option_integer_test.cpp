// Integer options read from JSON take only integral values their type holds: no rounding
// of 2.5, no wrapping of -1 or 1e30.
#include <gtest/gtest.h>

#include "nnlab/option_table.h"

namespace {

struct S {
  int64_t count = 1;
  uint64_t seed = 0;
  int small = 0;
  std::vector<int64_t> widths;
};

const nnlab::OptionTable<S>& table() {
  static const nnlab::OptionTable<S> t = nnlab::OptionTable<S>()
                                             .add("count", &S::count, "count", nnlab::at_least(1))
                                             .add("seed", &S::seed, "seed")
                                             .add("small", &S::small, "small")
                                             .add("widths", &S::widths, "widths", nnlab::at_least(1));
  return t;
}

S read(const char* json) {
  S s;
  table().from_json(nlohmann::json::parse(json), s);
  table().validate(s);
  return s;
}

TEST(OptionInteger, IntegralValuesAreReadExactlyAndTheRestRefusedByKey) {
  EXPECT_EQ(read(R"({"count": 3.0})").count, 3);
  EXPECT_EQ(read(R"({"seed": 18446744073709551615})").seed, UINT64_MAX);
  EXPECT_EQ(read(R"({"small": -2147483648})").small, INT32_MIN);
  for (const char* bad : {R"({"count": 2.5})", R"({"count": 1e23})", R"({"seed": -1})", R"({"seed": 1e30})",
                          R"({"small": 3000000000})", R"({"count": "3"})", R"({"widths": [1, 2.5]})",
                          R"({"widths": [1, 0]})", R"({"count": NaN})"}) {
    try {
      read(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const nnlab::ConfigError& e) {
      const std::string text = bad, key = text.substr(2, text.find('"', 2) - 2);
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << bad << ": " << e.what();
    } catch (const nlohmann::json::exception&) {
      EXPECT_STREQ(bad, R"({"count": NaN})");  // not JSON at all
    }
  }
}

}  // namespace
