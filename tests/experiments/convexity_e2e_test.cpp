// nnlab experiment convexity --quick: verdicts recomputed from results.json under the rule
// it states must be the report's; the measurements must agree with the theory (one linear
// layer convex, stacked layers and hidden nonlinearities not); no gnuplot gives CSVs and a
// note; the same seed gives the same results.
#include <cfloat>
#include <cmath>
#include <map>

#include "experiments/experiment_test_util.h"
#include "nnlab/report/format.h"

using namespace nnlab::experiments::testing;
using nlohmann::json;
namespace rp = nnlab::report;
namespace fs = std::filesystem;

namespace {

// The verdict under the tolerance rule that results.json states.
bool convex(const json& c, const json& rule) {
  double noise = 0;
  for (const json& p : c.at("points")) noise = std::max(noise, p.at("product_noise").get<double>());
  const double tol_h = rule.at("hessian_noise_factor").get<double>() * noise;
  for (const json& p : c.at("points"))
    if (p.at("lambda_min").get<double>() < -tol_h) return false;
  const double tol_l = std::max(rule.at("loss_noise_factor").get<double>() * c.at("max_loss_noise").get<double>(),
                                rule.at("loss_ulps").get<double>() * FLT_EPSILON * c.at("max_abs_loss").get<double>());
  for (const char* family : {"random_segments", "equivalent_segments"})
    for (const json& s : c.at(family))
      for (const json& g : s.at("gaps"))
        if (g.get<double>() > tol_l) return false;
  return true;
}

std::map<std::string, bool> verdicts(const json& results) {
  std::map<std::string, bool> v;
  for (const json& c : results.at("configs"))
    v[c.at("model").get<std::string>() + " " + c.at("loss").get<std::string>()] =
        convex(c, results.at("tolerance_rule"));
  return v;
}

// The report's summary line for a loss, from the verdicts.
std::string summary_line(const json& results, const std::string& loss) {
  std::string yes, no;
  for (const json& c : results.at("configs")) {
    if (c.at("loss") != loss) continue;
    std::string& list = convex(c, results.at("tolerance_rule")) ? yes : no;
    list += (list.empty() ? "" : ", ") + c.at("model").get<std::string>();
  }
  return "convex in the parameters for " + (yes.empty() ? "no model" : yes) + "; not convex for " +
         (no.empty() ? "no model" : no) + ".";
}

json without_timing(json j) {
  j.erase("seconds");
  return j;
}

}  // namespace

TEST(ExperimentConvexity, QuickRunVerdictsFollowTheMeasurements) {
  ScratchDir dir;
  const fs::path out = dir.path / "cv";
  run_quick("convexity", out);
  const json results = load_json(out / "results.json");
  const std::string report = slurp(out / "report.md");
  expect_plots(out, 3);
  ASSERT_EQ(results.at("configs").size(), 10u);

  // What the report claims is what the numbers say.
  EXPECT_TRUE(contains(report, "softmax cross-entropy: " + summary_line(results, "ce"))) << summary_line(results, "ce");
  EXPECT_TRUE(contains(report, "MSE of the outputs against one-hot targets: " + summary_line(results, "mse")));
  for (const json& c : results.at("configs")) {
    const std::string verdict = convex(c, results.at("tolerance_rule")) ? "convex (within tolerance)" : "not convex";
    EXPECT_TRUE(
        contains(report, "| " + c.at("model").get<std::string>() + " | " + c.at("loss").get<std::string>() + " | "));
    EXPECT_TRUE(contains(
        report, c.at("description").get<std::string>() + ", " + c.at("loss").get<std::string>() + ": " + verdict + ":"))
        << c.at("description");
  }

  // And the numbers agree with the theory.
  std::map<std::string, bool> v = verdicts(results);
  EXPECT_TRUE(v.at("linear ce"));
  EXPECT_TRUE(v.at("linear mse"));
  for (const char* m : {"linear-2", "linear-3", "relu", "tanh"})
    for (const char* l : {" ce", " mse"}) EXPECT_FALSE(v.at(std::string(m) + l)) << m << l;
  // Lanczos on the finite-difference products against the exact one-layer Hessian.
  for (const json& c : results.at("configs")) {
    if (!c.contains("validation")) continue;
    const json& val = c.at("validation");
    const double scale = val.at("exact_lambda_max").get<double>();
    EXPECT_NEAR(val.at("lanczos_lambda_max").get<double>(), scale, 1e-3 * scale);
    EXPECT_NEAR(val.at("lanczos_lambda_min").get<double>(), val.at("exact_lambda_min").get<double>(), 1e-3 * scale);
    EXPECT_TRUE(contains(report, "| " + c.at("loss").get<std::string>() + " | " +
                                     std::to_string(val.at("parameters").get<int>()) + " | " +
                                     rp::significant(val.at("exact_lambda_min").get<double>(), 4) + " | "));
  }

  // A negative eigenvalue written into results.json makes the report call one linear layer non-convex.
  json tampered = results;
  for (json& c : tampered.at("configs"))
    if (c.at("model") == "linear" && c.at("loss") == "ce") c.at("points")[0]["lambda_min"] = -1.0;
  const fs::path copy = dir.path / "tampered";
  fs::create_directories(copy);
  std::ofstream(copy / "results.json") << tampered.dump();
  auto r = nnlab::testing::run_cli("experiment render " + copy.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string rerendered = slurp(copy / "report.md");
  EXPECT_FALSE(verdicts(tampered).at("linear ce"));
  EXPECT_TRUE(contains(rerendered, "softmax cross-entropy: " + summary_line(tampered, "ce")));
  EXPECT_TRUE(contains(rerendered, "one linear layer, 30 → 2, ce: not convex: λ_min = -1 "));
}

TEST(ExperimentConvexity, WithoutGnuplotWritesCsvAndSaysSoThenRenderDrawsThem) {
  ScratchDir dir;
  const fs::path out = dir.path / "cv";
  run_quick("convexity", out, 0, "PATH=/nonexistent");
  const std::string report = slurp(out / "report.md");
  EXPECT_TRUE(contains(report, "> **Plots as CSV.** gnuplot was not found, so 3 of the 3 plots"));
  EXPECT_TRUE(contains(report, "[segments-ce.csv](segments-ce.csv)"));
  for (const char* f : {"eigenvalue-ratio.csv", "segments-ce.csv", "segments-mse.csv"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  EXPECT_FALSE(fs::exists(out / "segments-ce.png"));
  if (!has_gnuplot()) GTEST_SKIP() << "gnuplot is not installed: the PNG half needs it";
  auto r = nnlab::testing::run_cli("experiment render " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "plots: 3 PNG files"));
  EXPECT_TRUE(fs::exists(out / "segments-ce.png"));
  EXPECT_FALSE(contains(slurp(out / "report.md"), "Plots as CSV"));
}

TEST(ExperimentConvexity, SameSeedSameResultsOtherSeedOtherPoints) {
  ScratchDir dir;
  run_quick("convexity", dir.path / "a", 4);
  run_quick("convexity", dir.path / "b", 4);
  run_quick("convexity", dir.path / "c", 5);
  const json a = load_json(dir.path / "a" / "results.json"), b = load_json(dir.path / "b" / "results.json"),
             c = load_json(dir.path / "c" / "results.json");
  EXPECT_EQ(without_timing(a), without_timing(b));
  EXPECT_NE(a.at("configs")[0].at("points"), c.at("configs")[0].at("points"));
}
