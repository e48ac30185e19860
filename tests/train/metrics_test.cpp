// ClassificationMetrics: accuracies, confusion matrix, per-class accuracy, loss averaging,
// ties and NaN, merging, and the JSON and text forms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nnlab/error.h"
#include "nnlab/generator.h"
#include "nnlab/train/metrics.h"

using namespace nnlab;
using nnlab::train::ClassificationMetrics;

namespace {

Tensor logits_of(int64_t n, int64_t k, std::vector<float> values) { return Tensor::from_data({n, k}, values); }

}  // namespace

TEST(Metrics, CountsAHandCheckedBatch) {
  ClassificationMetrics m(3);
  // predictions: 0, 2, 1, 1 ; labels: 0, 1, 1, 2
  m.update(logits_of(4, 3, {5, 1, 0, /**/ 0, 1, 2, /**/ 0, 3, 1, /**/ 1, 2, -1}), std::vector<int32_t>{0, 1, 1, 2}, 0.5);
  m.update(logits_of(1, 3, {0, 0, 9}), std::vector<int32_t>{2}, 2.0);
  EXPECT_EQ(m.count(), 5);
  EXPECT_DOUBLE_EQ(m.loss(), (0.5 * 4 + 2.0) / 5);  // batch means weighted by batch size
  EXPECT_DOUBLE_EQ(m.top1(), 3.0 / 5);
  EXPECT_EQ(m.top_k(), 3);
  EXPECT_DOUBLE_EQ(m.top5(), 1.0);  // top-min(5, 3): every label is in the top 3
  EXPECT_EQ(m.confusion(), (std::vector<int64_t>{1, 0, 0, /**/ 0, 1, 1, /**/ 0, 1, 1}));
  EXPECT_EQ(m.confusion(1, 2), 1);
  EXPECT_THROW(m.confusion(3, 0), ShapeError);
  const std::vector<double> per_class = m.per_class_accuracy();
  EXPECT_DOUBLE_EQ(per_class[0], 1.0);
  EXPECT_DOUBLE_EQ(per_class[1], 0.5);
  EXPECT_DOUBLE_EQ(per_class[2], 0.5);
}

TEST(Metrics, TiesGoToTheLowerIndexAndNaNRanksHighest) {
  ClassificationMetrics m(7);
  std::vector<float> flat(7 * 7, 1.0f);  // all logits equal: label c has rank c
  std::vector<int32_t> labels = {0, 1, 2, 3, 4, 5, 6};
  m.update(logits_of(7, 7, flat), labels, 0);
  EXPECT_DOUBLE_EQ(m.top1(), 1.0 / 7);
  EXPECT_DOUBLE_EQ(m.top5(), 5.0 / 7);
  for (int c = 0; c < 7; ++c) EXPECT_EQ(m.confusion(c, 0), 1);

  ClassificationMetrics n(3);
  n.update(logits_of(2, 3, {1, NAN, 5, /**/ NAN, NAN, 0}), std::vector<int32_t>{1, 1}, 0);
  EXPECT_EQ(n.confusion(1, 1), 1);  // the NaN outranks 5
  EXPECT_EQ(n.confusion(1, 0), 1);  // two NaNs tie: the first wins
}

TEST(Metrics, TopKAgreesWithAStableSortOnRandomLogits) {
  const int64_t n = 500, k = 12;
  Generator gen(11);
  Tensor logits = Tensor::normal({n, k}, 0, 1, gen);
  // Coarse values make ties common.
  float* x = logits.data();
  for (int64_t i = 0; i < n * k; ++i) x[i] = std::round(x[i] * 2);
  std::vector<int32_t> labels(n);
  for (auto& l : labels) l = static_cast<int32_t>(gen.below(k));
  ClassificationMetrics m(k);
  m.update(logits.slice(0, 200), std::span<const int32_t>(labels).first(200), 1.0);
  m.update(logits.slice(200, n), std::span<const int32_t>(labels).subspan(200), 1.0);
  int64_t top1 = 0, top5 = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> order(k);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return x[i * k + a] > x[i * k + b]; });
    const auto pos = std::find(order.begin(), order.end(), labels[i]) - order.begin();
    top1 += pos == 0;
    top5 += pos < 5;
  }
  EXPECT_DOUBLE_EQ(m.top1(), static_cast<double>(top1) / n);
  EXPECT_DOUBLE_EQ(m.top5(), static_cast<double>(top5) / n);
  EXPECT_DOUBLE_EQ(m.loss(), 1.0);
  int64_t diagonal = 0;
  for (int64_t c = 0; c < k; ++c) diagonal += m.confusion(c, c);
  EXPECT_EQ(diagonal, top1);
}

TEST(Metrics, MergeEqualsOneAccumulatorAndResetEmpties) {
  ClassificationMetrics a(3), b(3), both(3);
  Tensor first = logits_of(2, 3, {1, 2, 3, 3, 2, 1});
  Tensor second = logits_of(1, 3, {0, 1, 0});
  a.update(first, std::vector<int32_t>{2, 1}, 0.25);
  b.update(second, std::vector<int32_t>{1}, 1.0);
  both.update(first, std::vector<int32_t>{2, 1}, 0.25);
  both.update(second, std::vector<int32_t>{1}, 1.0);
  a.merge(b);
  EXPECT_EQ(a.to_json(), both.to_json());
  EXPECT_THROW(a.merge(ClassificationMetrics(4)), ShapeError);
  a.reset();
  EXPECT_EQ(a.count(), 0);
  EXPECT_TRUE(std::isnan(a.loss()));
  EXPECT_TRUE(std::isnan(a.top1()));
  EXPECT_EQ(a.to_json()["accuracy"], nullptr);
}

TEST(Metrics, RejectsMismatchedInput) {
  ClassificationMetrics m(3);
  EXPECT_THROW(m.update(logits_of(2, 3, std::vector<float>(6)), std::vector<int32_t>{0}, 0), ShapeError);
  EXPECT_THROW(m.update(Tensor::zeros({2, 4}), std::vector<int32_t>{0, 1}, 0), ShapeError);
  EXPECT_THROW(m.update(Tensor::zeros({6}), std::vector<int32_t>{0, 1}, 0), ShapeError);
  EXPECT_THROW(m.update(Tensor::zeros({2, 3}), std::vector<int32_t>{0, 3}, 0), DataError);
  EXPECT_THROW(m.update(Tensor::zeros({1, 3}), std::vector<int32_t>{-1}, 0), DataError);
  EXPECT_EQ(m.count(), 0) << "a refused batch adds nothing";
  EXPECT_EQ(m.confusion(), std::vector<int64_t>(9, 0)) << "a refused batch adds nothing";
  EXPECT_THROW(m.to_json({"a", "b"}), ConfigError);
  EXPECT_THROW(ClassificationMetrics(0), ConfigError);
}

TEST(Metrics, JsonAndTextForms) {
  ClassificationMetrics m(3);
  m.update(logits_of(3, 3, {9, 0, 0, /**/ 9, 0, 0, /**/ 0, 9, 0}), std::vector<int32_t>{0, 1, 1}, 0.75);
  const std::vector<std::string> names = {"cat", "dog", "bird"};
  const nlohmann::json j = m.to_json(names);
  EXPECT_EQ(j["count"], 3);
  EXPECT_DOUBLE_EQ(j["loss"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), 2.0 / 3);
  EXPECT_EQ(j["top_k"], 3);
  EXPECT_EQ(j["per_class"][1], nlohmann::json({{"class", "dog"}, {"count", 2}, {"correct", 1}, {"accuracy", 0.5}}));
  EXPECT_EQ(j["per_class"][2]["accuracy"], nullptr) << "no samples: no accuracy";
  EXPECT_EQ(j["confusion"], nlohmann::json({{1, 0, 0}, {1, 1, 0}, {0, 0, 0}}));
  EXPECT_EQ(m.to_json()["per_class"][0]["class"], 0);

  EXPECT_EQ(m.format_table(names),
            "class     count   correct  accuracy\n"
            "cat           1         1   100.00%\n"
            "dog           2         1    50.00%\n"
            "bird          0         0         -\n"
            "all           3         2    66.67%\n");
  EXPECT_EQ(m.format_confusion(names),
            "true 0 1 2   (columns: predicted class)\n"
            "cat  1 0 0\n"
            "dog  1 1 0\n"
            "bird 0 0 0\n");
  EXPECT_NE(m.format_table().find("\n2 "), std::string::npos) << "class indices without names";
}
