#include <gtest/gtest.h>

#include <cmath>

#include "nnlab/error.h"
#include "nnlab/tune/search_space.h"

using namespace nnlab;
using namespace nnlab::tune;

namespace {

const char* kNetSpace = R"({
  "lr": {"type": "float", "low": 1e-4, "high": 0.3, "log": true},
  "dropout": {"type": "float", "low": 0, "high": 0.5, "step": 0.1},
  "depth": {"type": "int", "low": 1, "high": 3},
  "width": {"type": "int", "low": 16, "high": 256, "log": true, "repeat_for": "depth"},
  "bn": {"type": "categorical", "choices": [true, false]},
  "optimizer": {"type": "categorical", "choices": ["sgd", "adam"]},
  "momentum": {"type": "float", "low": 0.5, "high": 0.99, "condition": {"param": "optimizer", "equals": "sgd"}}
})";

std::string error_of(const std::string& text) {
  try {
    SearchSpace::parse(text, "space.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SearchSpace, ParsesEveryTypeAndExpandsRepeat) {
  SearchSpace s = SearchSpace::parse(kNetSpace);
  std::vector<std::string> names;
  for (auto& p : s.params()) names.push_back(p.name);
  // File order, with width expanded where it stands and momentum after its parent.
  EXPECT_EQ(names, (std::vector<std::string>{"lr", "dropout", "depth", "width_0", "width_1", "width_2", "bn",
                                             "optimizer", "momentum"}));
  const ParamSpec& lr = *s.find("lr");
  EXPECT_EQ(lr.type, ParamType::Float);
  EXPECT_TRUE(lr.log);
  EXPECT_EQ(s.find("width_2")->condition->bound, 2);
  EXPECT_EQ(*s.find("width_1")->flag, "--hidden");
  EXPECT_FALSE(s.find("depth")->flag.has_value());  // the count of --hidden values says the depth
  EXPECT_EQ(*s.find("lr")->flag, "--lr");
  EXPECT_TRUE(s.find("bn")->is_boolean());
  EXPECT_EQ(s.find("dropout")->grid.size(), 6u);  // 0, 0.1, ..., 0.5
  EXPECT_EQ(s.find("depth")->grid, (std::vector<ParamValue>{1, 2, 3}));
}

TEST(SearchSpace, ActivityFollowsConditions) {
  SearchSpace s = SearchSpace::parse(kNetSpace);
  Params p{{"depth", 2}, {"optimizer", "adam"}};
  EXPECT_TRUE(s.is_active(*s.find("width_1"), p));
  EXPECT_FALSE(s.is_active(*s.find("width_2"), p));
  EXPECT_FALSE(s.is_active(*s.find("momentum"), p));
  p["optimizer"] = "sgd";
  EXPECT_TRUE(s.is_active(*s.find("momentum"), p));

  Params full{{"lr", 0.01}, {"dropout", 0.2}, {"depth", 1}, {"width_0", 64}, {"bn", true}, {"optimizer", "adam"}};
  EXPECT_NO_THROW(s.validate(full));
  Params extra = full;
  extra["width_1"] = 32;  // depth 1 has no second layer
  EXPECT_THROW(s.validate(extra), ConfigError);
  EXPECT_EQ(s.prune_inactive(extra), full);
  Params missing = full;
  missing.erase("width_0");
  EXPECT_THROW(s.validate(missing), ConfigError);
  Params out_of_range = full;
  out_of_range["lr"] = 0.5;
  EXPECT_THROW(s.validate(out_of_range), ConfigError);
  Params off_step = full;
  off_step["dropout"] = 0.15;
  EXPECT_THROW(s.validate(off_step), ConfigError);
  Params not_int = full;
  not_int["width_0"] = 64.5;
  EXPECT_THROW(s.validate(not_int), ConfigError);
}

TEST(SearchSpace, InternalCoordinatesRoundTrip) {
  SearchSpace s = SearchSpace::parse(kNetSpace);
  const ParamSpec& lr = *s.find("lr");
  EXPECT_DOUBLE_EQ(lr.to_internal(0.01), std::log(0.01));
  EXPECT_EQ(lr.from_internal(lr.internal_low()).get<double>(), 1e-4);  // the bound exactly
  EXPECT_EQ(lr.from_internal(100.0).get<double>(), 0.3);                // clamped
  const ParamSpec& w = *s.find("width_0");
  EXPECT_TRUE(w.from_internal(std::log(63.7)).is_number_integer());
  EXPECT_EQ(w.from_internal(std::log(63.7)).get<int64_t>(), 64);
  const ParamSpec& d = *s.find("dropout");
  EXPECT_NEAR(d.from_internal(0.26).get<double>(), 0.3, 1e-12);
  const ParamSpec& opt = *s.find("optimizer");
  EXPECT_EQ(opt.to_internal("adam"), 1);
  EXPECT_EQ(opt.from_internal(0.2), "sgd");
}

TEST(SearchSpace, CanonicalFormRoundTrips) {
  SearchSpace s = SearchSpace::parse(kNetSpace);
  SearchSpace back = SearchSpace::from_canonical(s.to_json());
  EXPECT_EQ(back.to_json(), s.to_json());
  EXPECT_TRUE(back.is_active(*back.find("momentum"), Params{{"optimizer", "sgd"}}));
}

TEST(SearchSpace, BadSpacesNameTheFieldAtFault) {
  EXPECT_NE(error_of("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[1, 2]").find("JSON object of parameters"), std::string::npos);
  EXPECT_NE(error_of(R"({"lr": {"type": "floaty", "low": 0, "high": 1}})").find("unknown type \"floaty\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"lr": {"type": "float", "low": 1, "high": 0}})").find("'lr'"), std::string::npos);
  EXPECT_NE(error_of(R"({"lr": {"type": "float", "low": 0, "high": 1, "log": true}})").find("low\" > 0"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"lr": {"type": "float", "low": 0, "hihg": 1}})").find("unknown field \"hihg\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"n": {"type": "int", "low": 0.5, "high": 3}})").find("integer"), std::string::npos);
  EXPECT_NE(error_of(R"({"n": {"type": "int", "low": 0, "high": 10, "step": 3}})").find("multiple of step"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"c": {"type": "categorical", "choices": []}})").find("non-empty"), std::string::npos);
  EXPECT_NE(error_of(R"({"c": {"type": "categorical", "choices": ["a", "a"]}})").find("twice"), std::string::npos);
  EXPECT_NE(error_of(R"({"m": {"type": "float", "low": 0, "high": 1, "condition": {"param": "opt", "equals": 1}}})")
                .find("not a parameter"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"a": {"type": "float", "low": 0, "high": 1, "condition": {"param": "b", "greater_than": 0}},
                         "b": {"type": "float", "low": 0, "high": 1, "condition": {"param": "a", "greater_than": 0}}})")
                .find("cycle"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"w": {"type": "int", "low": 1, "high": 9, "repeat_for": "depth"}})").find("not an int"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"1x": {"type": "float", "low": 0, "high": 1}})").find("names are letters"), std::string::npos);
  EXPECT_NE(error_of(R"({"c": {"type": "categorical", "choices": ["a"], "grid": ["b"]}})").find("\"grid\" value"),
            std::string::npos);
  // Every message names the file.
  EXPECT_EQ(error_of(R"({"lr": 3})").rfind("space.json", 0), 0u);
}

TEST(SearchSpace, FormatsValuesAsProgramsReadThem) {
  EXPECT_EQ(format_value(0.001), "0.001");
  EXPECT_EQ(format_value(1e-5), "1e-05");
  EXPECT_EQ(format_value(64), "64");
  EXPECT_EQ(format_value("adam"), "adam");
  EXPECT_EQ(format_value(true), "true");
  EXPECT_EQ(display_value(0.000185913345), "0.000185913");
}
