// nnlab study list|show|plot end to end.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tune/tune_test_util.h"

using namespace nnlab::tune::testing;

namespace {

bool has_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

}  // namespace

TEST(StudyCli, ListShowAndPlot) {
  TempDir dir;
  auto space = dir.write("x.json", R"({"x": {"type": "float", "low": 0, "high": 1},
    "c": {"type": "categorical", "choices": ["a", "b"]}})");
  auto prog = dir.write("prog.sh", R"(awk -v x="$1" 'BEGIN {
    for (s = 1; s <= 3; s++) printf "nnlab:report %d %.6f\n", s, x * s
    print x }')");
  ASSERT_EQ(run_cli("tune --study one --storage " + dir.url() + " --space " + space.string() +
                        " --sampler random --trials 12 --pruner median --command 'sh " + prog.string() + " {x}'",
                    dir.path)
                .code,
            0);
  ASSERT_EQ(run_cli("tune --study two --storage " + dir.url() + " --objective branin --sampler random --trials 5",
                    dir.path)
                .code,
            0);

  CliResult r = run_cli("study list --storage " + dir.url() + " --json", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  auto list = nlohmann::json::parse(r.out);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["study"], "one");
  EXPECT_EQ(list[1]["n_trials"], 5);
  r = run_cli("study list --storage " + dir.url(), dir.path);
  EXPECT_NE(r.out.find("best value"), std::string::npos);
  EXPECT_NE(r.out.find("two"), std::string::npos);

  r = run_cli("study show --storage " + dir.url() + " --study one --json --top 4", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  auto show = nlohmann::json::parse(r.out);
  ASSERT_EQ(show["trials"].size(), 4u);
  // Ranked best first: the complete trials by value, the best equal to best_value.
  EXPECT_EQ(show["trials"][0]["value"], show["best_value"]);
  for (size_t i = 1; i < 4; ++i)
    if (show["trials"][i]["state"] == "complete") {
      EXPECT_LE(show["trials"][i - 1]["value"].get<double>(), show["trials"][i]["value"].get<double>());
    }
  EXPECT_EQ(show["trials"][0]["intermediate"].size(), 3u);
  r = run_cli("study show --storage " + dir.url() + " --study one", dir.path);
  EXPECT_NE(r.out.find("rank  trial  state"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("best value"), std::string::npos);

  r = run_cli("study plot --storage " + dir.url() + " --study one --out plots --json", dir.path);
  ASSERT_EQ(r.code, 0) << r.err;
  auto plots = nlohmann::json::parse(r.out)["plots"];
  ASSERT_EQ(plots.size(), 3u);
  for (auto& p : plots) {
    EXPECT_TRUE(std::filesystem::exists(dir.path / p["path"].get<std::string>())) << p.dump();
    EXPECT_EQ(p["png"].get<bool>(), has_gnuplot());
  }
  EXPECT_NE(plots[0]["path"].get<std::string>().find("history"), std::string::npos);
}

TEST(StudyCli, MissingStudyOrStorage) {
  TempDir dir;
  ASSERT_EQ(run_cli("tune --study a --storage " + dir.url() + " --objective branin --trials 2", dir.path).code, 0);
  CliResult r = run_cli("study show --storage " + dir.url() + " --study b", dir.path);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no study 'b'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("it holds: a"), std::string::npos) << r.err;
  r = run_cli("study list --storage " + dir.url("typo.db"), dir.path);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no study database"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path / "typo.db"));  // reading never creates one
  r = run_cli("study show --storage " + dir.url(), dir.path);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--study"), std::string::npos);
  r = run_cli("study list --storage mysql://x", dir.path);
  EXPECT_EQ(r.code, 2);
}
