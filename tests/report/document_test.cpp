#include "nnlab/report/document.h"

#include <gtest/gtest.h>

#include "tune/tune_test_util.h"

using namespace nnlab::report;
using nnlab::tune::testing::slurp;
using nnlab::tune::testing::TempDir;

namespace {

Figure small_figure() {
  Figure f;
  f.title = "Loss";
  f.x.label = "step";
  f.y.label = "loss";
  f.series.push_back({"train", {1, 2}, {0.5, 0.25}, SeriesStyle::Lines, ""});
  return f;
}

bool has_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

}  // namespace

TEST(Document, WithoutGnuplotLinksTheCsvAndSaysSoAfterTheTitle) {
  TempDir dir;
  Document doc(dir.path, PlotOptions{"/nonexistent/gnuplot"});
  doc.md().heading(1, "Report").paragraph("Intro.");
  doc.figure(small_figure(), "loss.png", "A caption.");
  EXPECT_FALSE(doc.all_png());
  const std::string text = slurp(doc.write());
  EXPECT_EQ(text.rfind("# Report\n\n> **Plots as CSV.**", 0), 0u) << text;
  EXPECT_NE(text.find("1 of the 1 plots"), std::string::npos);
  EXPECT_NE(text.find("[loss.csv](loss.csv)"), std::string::npos);
  EXPECT_NE(text.find("A caption."), std::string::npos);
  EXPECT_EQ(slurp(dir.path / "loss.csv"), "series,x,y\ntrain,1,0.5\ntrain,2,0.25\n");
}

TEST(Document, WithGnuplotEmbedsThePng) {
  if (!has_gnuplot()) GTEST_SKIP() << "gnuplot is not installed (scripts/setup installs gnuplot-nox)";
  TempDir dir;
  Document doc(dir.path);
  doc.md().heading(1, "Report");
  doc.figure(small_figure(), "loss.png");
  EXPECT_TRUE(doc.all_png());
  EXPECT_EQ(doc.text(), "# Report\n\n![Loss](loss.png)\n\n");
  EXPECT_TRUE(std::filesystem::exists(dir.path / "loss.png"));
}
