#include <gtest/gtest.h>

#include "data/csv_reader.h"
#include "data/fixtures.h"
#include "nnlab/data/datasets.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

Dataset parse(const std::string& text, const std::string& target = "") {
  return detail::parse_csv_table(text, "t.csv", target);
}

}  // namespace

TEST(CsvReader, HeaderTableWithLastColumnAsLabel) {
  Dataset d = parse("a,b,label\n1.5,2,0\n-3,4e2,1\r\n\n+5,6,1\n");
  ASSERT_EQ(d.size(), 3);
  EXPECT_EQ(d.num_features, 2);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.features, (std::vector<float>{1.5f, 2, -3, 400, 5, 6}));
  EXPECT_EQ(d.labels, (std::vector<int32_t>{0, 1, 1}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1"}));
}

TEST(CsvReader, TargetByNameOrIndexAndClassMapping) {
  const std::string text = "species,x,\"y, cm\"\n3,1,2\n7,3,4\n3,5,6\n-1,7,8\n";
  Dataset d = parse(text, "species");
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x", "y, cm"}));
  EXPECT_EQ(d.features, (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
  // Integer labels become classes in increasing order.
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"-1", "3", "7"}));
  EXPECT_EQ(d.labels, (std::vector<int32_t>{1, 2, 1, 0}));
  EXPECT_EQ(parse(text, "0").labels, d.labels);
  EXPECT_EQ(parse(text, "-3").labels, d.labels);
  EXPECT_EQ(parse(text, "x").class_names, (std::vector<std::string>{"1", "3", "5", "7"}));
  EXPECT_THROW(parse(text, "weight"), ConfigError);
  EXPECT_THROW(parse(text, "3"), ConfigError);
}

TEST(CsvReader, NamedClasses) {
  Dataset d = parse("w,kind\n1,setosa\n2,virginica\n3,setosa\n");
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"setosa", "virginica"}));
  EXPECT_EQ(d.labels, (std::vector<int32_t>{0, 1, 0}));
}

TEST(CsvReader, NonNumericCellNamesRowAndColumn) {
  std::string msg = data_error([] { parse("a,b,c\n1,2,0\n3,oops,1\n"); });
  EXPECT_NE(msg.find("t.csv: line 3, column 2 (b): \"oops\" is not a number"), std::string::npos) << msg;
  msg = data_error([] { parse("a,b,c\n1,,0\n"); });
  EXPECT_NE(msg.find("line 2, column 2 (b): the cell is empty"), std::string::npos) << msg;
  msg = data_error([] { parse("a,b,c\n1,nan,0\n"); });
  EXPECT_NE(msg.find("\"nan\" is not a finite number"), std::string::npos) << msg;
  msg = data_error([] { parse("a,b,c\n1,1e39,0\n"); });
  EXPECT_NE(msg.find("not a finite number"), std::string::npos) << msg;
  msg = data_error([] { parse("a,b,c\n1,2,0.5\n"); });
  EXPECT_NE(msg.find("line 2: label \"0.5\" in column 3 (c) is not a whole number"), std::string::npos) << msg;
}

TEST(CsvReader, RaggedRows) {
  std::string msg = data_error([] { parse("a,b,c\n1,2,0\n3,4\n"); });
  EXPECT_NE(msg.find("t.csv: line 3 has 2 fields but the header has 3"), std::string::npos) << msg;
  msg = data_error([] { parse("a,b,c\n1,2,0,9\n"); });
  EXPECT_NE(msg.find("line 2 has 4 fields"), std::string::npos) << msg;
  msg = data_error([] { parse("a,b,c\n1,\"2,0\n"); });
  EXPECT_NE(msg.find("line 2: a quoted field is not closed"), std::string::npos) << msg;
}

TEST(CsvReader, EmptyOrHeaderOnly) {
  EXPECT_NE(data_error([] { parse(""); }).find("the file is empty"), std::string::npos);
  EXPECT_NE(data_error([] { parse("a,b\n"); }).find("a header but no rows"), std::string::npos);
  EXPECT_NE(data_error([] { parse("a\n1\n"); }).find("names 1 column"), std::string::npos);
  EXPECT_NE(data_error([] { parse(std::string("a,b\n1,\0\n", 8)); }).find("NUL"), std::string::npos);
}

TEST(CsvReader, LoadsCsvPathWithSeededStratifiedTestSplit) {
  TempDir dir;
  std::string text = "f0,f1,y\n";
  for (int i = 0; i < 100; ++i) text += std::to_string(i) + "," + std::to_string(i * 2) + "," + std::to_string(i % 4) + "\n";
  write_text(dir / "t.csv", text);
  LoadOptions o = load_options("csv:" + (dir / "t.csv").string());
  Splits s = load_dataset(o);
  EXPECT_EQ(s.train.size(), 80);
  EXPECT_EQ(s.test.size(), 20);
  EXPECT_EQ(label_histogram(s.test), (std::vector<int64_t>{5, 5, 5, 5}));
  // Every row lands in exactly one split, features and label together.
  std::vector<int> seen(100, 0);
  for (const Dataset* d : {&s.train, &s.test})
    for (int64_t i = 0; i < d->size(); ++i) {
      const int row = static_cast<int>(d->feature_row(i)[0]);
      ++seen[row];
      EXPECT_EQ(d->feature_row(i)[1], row * 2);
      EXPECT_EQ(d->labels[i], row % 4);
    }
  EXPECT_EQ(seen, std::vector<int>(100, 1));
  EXPECT_EQ(load_dataset(o).test.features, s.test.features);  // same split seed, same split
  o.split_seed = 5;
  EXPECT_NE(load_dataset(o).test.features, s.test.features);
  o.target = "f0";
  EXPECT_EQ(load_dataset(o).train.num_classes, 100);
  EXPECT_THROW(load_dataset(load_options("csv:" + (dir / "nope.csv").string())), DataError);
}

TEST(SklearnTables, CountsHeaderFormat) {
  Dataset d = detail::parse_sklearn_table("3,2,no,yes\n1.5,2,0\n3,4,1\n5,6,1\n", "s.csv", {});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(d.num_features, 2);
  EXPECT_EQ(d.features, (std::vector<float>{1.5f, 2, 3, 4, 5, 6}));
  EXPECT_EQ(d.labels, (std::vector<int32_t>{0, 1, 1}));
  std::string msg = data_error([] { detail::parse_sklearn_table("4,2,no,yes\n1,2,0\n3,4,1\n5,6,1\n", "s.csv", {}); });
  EXPECT_NE(msg.find("s.csv: 3 rows where 4 are expected (the count on line 1)"), std::string::npos) << msg;
  msg = data_error([] { detail::parse_sklearn_table("2,2,no,yes\n1,2,0\n3,4,2\n", "s.csv", {}); });
  EXPECT_NE(msg.find("line 3: label \"2\" is not a class index in 0..1"), std::string::npos) << msg;
  msg = data_error([] { detail::parse_sklearn_table("x,2,no\n", "s.csv", {}); });
  EXPECT_NE(msg.find("line 1 should start with the number of rows"), std::string::npos) << msg;
  msg = data_error([] { detail::parse_sklearn_table("1,2,no\n1,2,3,0\n", "s.csv", {}); });
  EXPECT_NE(msg.find("line 2 has 4 fields but line 1 (features + label) has 3"), std::string::npos) << msg;
}

// The files Debian's python3-sklearn installs, read as they are.
TEST(SklearnTables, BundledDatasets) {
  struct Expect {
    const char* name;
    int64_t rows, features;
    std::vector<int64_t> histogram;
    std::string first_class;
  };
  for (const Expect& e : {Expect{"iris", 150, 4, {50, 50, 50}, "setosa"},
                          Expect{"wine", 178, 13, {59, 71, 48}, "class_0"},
                          Expect{"breast-cancer", 569, 30, {212, 357}, "malignant"},
                          Expect{"digits", 1797, 64, {178, 182, 177, 183, 181, 182, 181, 179, 174, 180}, "0"}}) {
    if (!locate_dataset(e.name, {}).dir) GTEST_SKIP() << "python3-sklearn is not installed";
    Splits s = load_dataset(load_options(e.name));
    EXPECT_EQ(s.train.size() + s.test.size(), e.rows) << e.name;
    EXPECT_EQ(s.train.num_features, e.features) << e.name;
    std::vector<int64_t> total = label_histogram(s.train), test = label_histogram(s.test);
    for (size_t c = 0; c < total.size(); ++c) total[c] += test[c];
    EXPECT_EQ(total, e.histogram) << e.name;
    EXPECT_EQ(s.train.class_names[0], e.first_class);
  }
  // The first iris row: 5.1,3.5,1.4,0.2,0 (setosa).
  Splits iris = load_dataset(load_options("iris"));
  Dataset all = iris.train;
  bool found = false;
  for (const Dataset* d : {&iris.train, &iris.test})
    for (int64_t i = 0; i < d->size(); ++i) {
      auto r = d->feature_row(i);
      if (r[0] == 5.1f && r[1] == 3.5f && r[2] == 1.4f && r[3] == 0.2f) found = found || d->labels[i] == 0;
    }
  EXPECT_TRUE(found);
}
