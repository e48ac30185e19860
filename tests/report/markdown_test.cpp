#include "nnlab/report/markdown.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nnlab/error.h"
#include "nnlab/report/format.h"

using namespace nnlab;
using namespace nnlab::report;

TEST(Markdown, BlocksAreSeparatedAndTablesAligned) {
  Markdown md;
  md.heading(1, "Title").paragraph("Text.").bullets({"a", "b|c"});
  md.table({{"name", "value"}, {Align::Left, Align::Right}, {{"x|y", "1"}, {"z", "2"}}});
  EXPECT_EQ(md.str(),
            "# Title\n\nText.\n\n- a\n- b\\|c\n\n| name | value |\n| --- | ---: |\n| x\\|y | 1 |\n| z | 2 |\n\n");
  EXPECT_THROW(md.table({{"a", "b"}, {}, {{"only one"}}}), ConfigError);
}

TEST(Markdown, CodeFenceOutgrowsBackticksAndInsertPlacesASummary) {
  Markdown md;
  md.heading(1, "T");
  const size_t at = md.position();
  md.code("a ``` b", "sh");
  EXPECT_NE(md.str().find("````sh\na ``` b\n````"), std::string::npos);
  Markdown summary;
  summary.heading(2, "Findings");
  md.insert(at, summary);
  EXPECT_EQ(md.str().rfind("# T\n\n## Findings\n\n````", 0), 0u);
  EXPECT_THROW(md.insert(md.str().size() + 1, summary), ConfigError);
}

TEST(Markdown, ImagesNotesAndEscapes) {
  Markdown md;
  md.image("a [b]", "my plot.png").note("line 1\nline 2");
  EXPECT_EQ(md.str(), "![a \\[b\\]](my%20plot.png)\n\n> line 1\n> line 2\n\n");
  EXPECT_EQ(escape_text("w_1*2"), "w\\_1\\*2");
}

TEST(Format, NumbersAsReportsPrintThem) {
  EXPECT_EQ(percent(0.97432), "97.4 %");
  EXPECT_EQ(percent(NAN), "n/a");
  EXPECT_EQ(fixed(-0.0001, 2), "0.00");
  EXPECT_EQ(mean_std(12.44, 3.06, 1), "12.4 ± 3.1");
  EXPECT_EQ(mean_std(12.44, NAN, 1), "12.4");
  EXPECT_EQ(percent_mean_std(0.9743, 0.0031), "97.4 ± 0.3 %");
  EXPECT_EQ(si(61706), "61.7 k");
  EXPECT_EQ(si(23272266), "23.3 M");
  EXPECT_EQ(si(1.11e9), "1.11 G");
  EXPECT_EQ(si(512), "512");
  EXPECT_EQ(bytes(512), "512 B");
  EXPECT_EQ(bytes(125 * 1048576.0), "125 MiB");
  EXPECT_EQ(bytes(1.5 * 1073741824.0), "1.50 GiB");
  EXPECT_EQ(seconds(0.844), "0.84 s");
  EXPECT_EQ(seconds(245), "4 min 05 s");
  EXPECT_EQ(ratio(3.21), "3.2×");
  EXPECT_EQ(ratio(0.449), "0.45×");
  EXPECT_EQ(ratio(1491.2), "1491×");
  EXPECT_EQ(significant(0.000123456, 3), "0.000123");
}
