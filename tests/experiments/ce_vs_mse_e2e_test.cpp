// nnlab experiment ce-vs-mse --quick: the outputs exist, and what the report states is
// what results.json holds, recomputed here independently of the report's code; a
// tampered results.json changes the report's claims accordingly.
#include <cmath>

#include "experiments/experiment_test_util.h"
#include "nnlab/report/format.h"

using namespace nnlab::experiments::testing;
using nlohmann::json;
namespace rp = nnlab::report;
namespace fs = std::filesystem;

namespace {

struct MeanStd {
  double mean = NAN, std = NAN;
  int n = 0;
};

MeanStd mean_std(const std::vector<double>& v) {
  MeanStd m;
  m.n = static_cast<int>(v.size());
  if (v.empty()) return m;
  double s = 0;
  for (double x : v) s += x;
  m.mean = s / m.n;
  if (m.n > 1) {
    double ss = 0;
    for (double x : v) ss += (x - m.mean) * (x - m.mean);
    m.std = std::sqrt(ss / (m.n - 1));
  }
  return m;
}

// Iterations until a run's training accuracy first reaches `fraction` of the better final
// training accuracy of the two losses on that seed (the report's definition).
std::vector<double> reach(const json& problem, const std::string& opt, const std::string& loss, double fraction) {
  std::vector<double> out;
  for (const json& seed : problem.at("seeds")) {
    const json& pair = seed.at(opt);
    const double bar = fraction * std::max(pair.at("ce").at("final_train_accuracy").get<double>(),
                                           pair.at("mse").at("final_train_accuracy").get<double>());
    const json& c = pair.at(loss).at("curve");
    for (size_t i = 0; i < c.at("train_accuracy").size(); ++i)
      if (c.at("train_accuracy")[i].get<double>() >= bar) {
        out.push_back(c.at("iteration")[i].get<double>());
        break;
      }
  }
  return out;
}

std::vector<double> finals(const json& problem, const std::string& opt, const std::string& loss, const char* key) {
  std::vector<double> out;
  for (const json& seed : problem.at("seeds")) out.push_back(seed.at(opt).at(loss).at(key).get<double>());
  return out;
}

// The comparison sentence the report must make for one optimizer and bar.
std::string expected_claim(const json& problem, const std::string& opt, double fraction) {
  const int pct = fraction == 0.9 ? 90 : 95;
  MeanStd c = mean_std(reach(problem, opt, "ce", fraction)), m = mean_std(reach(problem, opt, "mse", fraction));
  const int seeds = static_cast<int>(problem.at("seeds").size());
  if (c.n != seeds || m.n != seeds || c.mean == 0 || m.mean == 0) return "";  // other wordings
  if (std::max(c.mean, m.mean) < 1.1 * std::min(c.mean, m.mean))
    return "CE and MSE needed about as many iterations to reach " + std::to_string(pct) + " % (" +
           rp::fixed(c.mean, 1) + " vs " + rp::fixed(m.mean, 1) + ")";
  if (m.mean > c.mean)
    return "MSE needed " + rp::ratio(m.mean / c.mean) + " as many iterations as CE to reach " + std::to_string(pct) +
           " % (" + rp::fixed(m.mean, 1) + " vs " + rp::fixed(c.mean, 1) + ")";
  return "CE needed " + rp::ratio(c.mean / m.mean) + " as many iterations as MSE to reach " + std::to_string(pct) +
         " % (" + rp::fixed(c.mean, 1) + " vs " + rp::fixed(m.mean, 1) + ")";
}

// Returns how many comparison sentences it checked.
int expect_report_matches(const json& results, const std::string& report) {
  int claims = 0;
  for (const json& p : results.at("problems")) {
    for (const std::string opt : {"sgd", "adam"}) {
      for (const std::string loss : {"ce", "mse"}) {
        MeanStd r90 = mean_std(reach(p, opt, loss, 0.9)), r95 = mean_std(reach(p, opt, loss, 0.95));
        MeanStd tr = mean_std(finals(p, opt, loss, "final_train_accuracy"));
        MeanStd te = mean_std(finals(p, opt, loss, "final_test_accuracy"));
        const int seeds = static_cast<int>(p.at("seeds").size());
        if (r90.n != seeds || r95.n != seeds) continue;  // a "not reached" cell; its count is checked by the sentence
        const std::string row = "| " + std::string(opt == "sgd" ? "SGD" : "Adam") + " | " +
                                (loss == "ce" ? "cross-entropy" : "squared error") + " | " +
                                rp::mean_std(r90.mean, r90.std, 1) + " | " + rp::mean_std(r95.mean, r95.std, 1) +
                                " | " + rp::percent_mean_std(tr.mean, tr.std) + " | " +
                                rp::percent_mean_std(te.mean, te.std) + " |";
        EXPECT_TRUE(contains(report, row)) << row;
      }
      for (double f : {0.9, 0.95}) {
        const std::string claim = expected_claim(p, opt, f);
        if (claim.empty()) continue;
        EXPECT_TRUE(contains(report, claim)) << claim;
        ++claims;
      }
    }
  }
  return claims;
}

}  // namespace

TEST(ExperimentCeVsMse, QuickRunReportsWhatItMeasured) {
  ScratchDir dir;
  const fs::path out = dir.path / "ce";
  run_quick("ce-vs-mse", out);
  const json results = load_json(out / "results.json");
  const std::string report = slurp(out / "report.md");
  expect_plots(out, 10);
  ASSERT_EQ(results.at("problems").size(), 2u);
  EXPECT_EQ(results.at("seeds").get<int>(), 5);
  EXPECT_GT(expect_report_matches(results, report), 0);

  for (const json& p : results.at("problems")) {
    EXPECT_EQ(p.at("seeds").size(), 5u);
    // Both losses start from the same initialisation: the same accuracy at iteration 0.
    for (const json& seed : p.at("seeds"))
      for (const std::string opt : {"sgd", "adam"})
        EXPECT_EQ(seed.at(opt).at("ce").at("curve").at("train_accuracy")[0],
                  seed.at(opt).at("mse").at("curve").at("train_accuracy")[0]);
    // dL/dz: the measured points against the formulas, recomputed here, and as the report states it.
    const json& g = p.at("logit_gradient");
    double e_ce = 0, e_mse = 0;
    for (const json& pt : g.at("points")) {
      const double q = pt.at("p").get<double>();
      e_ce = std::max(e_ce, std::fabs(pt.at("ce").get<double>() - (q - 1)));
      e_mse = std::max(e_mse, std::fabs(pt.at("mse").get<double>() - 2 * (q - 1) * q * (1 - q)));
    }
    EXPECT_LT(e_ce, 1e-5);
    EXPECT_LT(e_mse, 1e-5);
    EXPECT_DOUBLE_EQ(e_ce, g.at("max_abs_error").at("ce").get<double>());
    EXPECT_TRUE(contains(report, "to within " + rp::significant(e_ce, 2) + " (cross-entropy) and " +
                                     rp::significant(e_mse, 2) + " (squared error)"));
    // The saturated start: the squared error's gradient vanishes, and the report says by how much.
    const json& s = p.at("saturated");
    const double ratio =
        s.at("initial_gradient_norm").at("ce").get<double>() / s.at("initial_gradient_norm").at("mse").get<double>();
    EXPECT_GT(ratio, 10);
    EXPECT_LT(s.at("initial_train_accuracy").get<double>(), 0.5);
    EXPECT_TRUE(contains(report, "for the squared error: " + rp::ratio(ratio) + " smaller"));
  }

  // Claims follow the numbers: with the two losses' runs swapped in results.json, the report
  // written from it swaps its comparisons.
  json swapped = results;
  for (json& p : swapped.at("problems"))
    for (json& seed : p.at("seeds"))
      for (const std::string opt : {"sgd", "adam"}) std::swap(seed.at(opt).at("ce"), seed.at(opt).at("mse"));
  const fs::path copy = dir.path / "swapped";
  fs::create_directories(copy);
  std::ofstream(copy / "results.json") << swapped.dump();
  auto r = nnlab::testing::run_cli("experiment render " + copy.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string rerendered = slurp(copy / "report.md");
  EXPECT_GT(expect_report_matches(swapped, rerendered), 0);
  for (const json& p : results.at("problems")) {
    const std::string before = expected_claim(p, "sgd", 0.9);
    if (!before.empty()) {
      EXPECT_FALSE(contains(rerendered, before)) << before;
    }
  }
}
