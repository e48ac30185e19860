#include <gtest/gtest.h>

#include <fstream>

#include "nnlab/error.h"
#include "nnlab/report/plot.h"
#include "tune/tune_test_util.h"

using namespace nnlab;
using namespace nnlab::report;
using nnlab::tune::testing::slurp;
using nnlab::tune::testing::TempDir;

namespace {

Figure sample_figure() {
  Figure f;
  f.title = "Loss of 'run a'";
  f.x.label = "epoch";
  f.y.label = "loss";
  f.y.log = true;
  f.series.push_back({"train_loss", {1, 2, 3}, {1.0, 0.5, 0.25}, SeriesStyle::LinesPoints, "#1f77b4"});
  f.series.push_back({"", {1, 2, 3}, {0.0, 0.6, 0.3}, SeriesStyle::Points, ""});  // 0 cannot sit on a log axis
  return f;
}

bool has_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

}  // namespace

TEST(Plot, ScriptHasTitleAxesLegendAndData) {
  std::string g = gnuplot_script(sample_figure(), "out.png", "pngcairo");
  EXPECT_NE(g.find("set title 'Loss of ''run a'''"), std::string::npos) << g;
  EXPECT_NE(g.find("set xlabel 'epoch'"), std::string::npos);
  EXPECT_NE(g.find("set logscale y"), std::string::npos);
  EXPECT_NE(g.find("noenhanced"), std::string::npos);  // train_loss stays as written
  EXPECT_NE(g.find("title 'train_loss'"), std::string::npos);
  EXPECT_NE(g.find("notitle"), std::string::npos);
  EXPECT_NE(g.find("lc rgb '#1f77b4'"), std::string::npos);
  EXPECT_EQ(g.find("\n1 0\n"), std::string::npos);  // the non-positive point is left out
  EXPECT_NE(g.find("\n2 0.6\n"), std::string::npos);
}

TEST(Plot, WritesAPngWithGnuplot) {
  if (!has_gnuplot()) GTEST_SKIP() << "gnuplot is not installed (scripts/setup installs gnuplot-nox)";
  TempDir dir;
  PlotOutput out = save_plot(sample_figure(), dir.path / "plots" / "loss.png");
  ASSERT_TRUE(out.is_png) << out.note;
  std::string bytes = slurp(out.path);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
  // Nothing left behind but the plot.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path / "plots"), {}), 1);
  // An empty figure still draws (with a note), rather than failing in gnuplot.
  Figure empty;
  empty.title = "nothing";
  EXPECT_TRUE(save_plot(empty, dir.path / "empty.png").is_png);
}

TEST(Plot, FallsBackToCsvWithoutGnuplot) {
  TempDir dir;
  PlotOutput out = save_plot(sample_figure(), dir.path / "loss.png", PlotOptions{"/nonexistent/gnuplot"});
  EXPECT_FALSE(out.is_png);
  EXPECT_EQ(out.path, dir.path / "loss.csv");
  EXPECT_NE(out.note.find("gnuplot"), std::string::npos);
  EXPECT_EQ(slurp(out.path), "series,x,y\ntrain_loss,1,1\ntrain_loss,2,0.5\ntrain_loss,3,0.25\n,1,0\n,2,0.6\n,3,0.3\n");
  EXPECT_FALSE(std::filesystem::exists(dir.path / "loss.png"));
}

TEST(Plot, RejectsMismatchedSeries) {
  Figure f;
  f.series.push_back({"a", {1, 2}, {1}, SeriesStyle::Lines, ""});
  TempDir dir;
  EXPECT_THROW(save_plot(f, dir.path / "a.png"), ConfigError);
}
