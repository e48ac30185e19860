#include "nnlab/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "nnlab/error.h"

namespace nnlab::train {

namespace {

// Whether logit a outranks logit b: NaN above every number, as torch's argmax and topk order them.
bool outranks(float a, float b) { return (std::isnan(a) && !std::isnan(b)) || a > b; }
bool ties(float a, float b) { return a == b || (std::isnan(a) && std::isnan(b)); }

double ratio(int64_t num, int64_t den) {
  return den == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(num) / static_cast<double>(den);
}

nlohmann::json number_or_null(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

void check_names(const std::vector<std::string>& names, int64_t k) {
  if (!names.empty() && static_cast<int64_t>(names.size()) != k)
    throw ConfigError(fmt::format("metrics: {} class names given for {} classes", names.size(), k));
}

std::string class_label(const std::vector<std::string>& names, int64_t c) {
  return names.empty() ? std::to_string(c) : names[c];
}

}  // namespace

ClassificationMetrics::ClassificationMetrics(int64_t num_classes) : num_classes_(num_classes) {
  if (num_classes < 1) throw ConfigError(fmt::format("metrics: num_classes = {} must be >= 1", num_classes));
  confusion_.assign(num_classes * num_classes, 0);
}

void ClassificationMetrics::update(const Tensor& logits, std::span<const int32_t> labels, double batch_mean_loss) {
  const int64_t k = num_classes_;
  if (logits.dim() != 2 || logits.size(1) != k || logits.size(0) != static_cast<int64_t>(labels.size()))
    throw ShapeError(fmt::format("metrics: logits of shape {} for {} labels and {} classes (expected [{}, {}])",
                                 shape_str(logits.shape()), labels.size(), k, labels.size(), k));
  const int64_t n = static_cast<int64_t>(labels.size());
  for (int64_t i = 0; i < n; ++i)  // checked first, so that a refused batch adds nothing
    if (labels[i] < 0 || labels[i] >= k)
      throw DataError(fmt::format("metrics: label {} of sample {} is outside [0, {})", labels[i], i, k));
  const Tensor x = logits.contiguous();
  const float* row = x.data();
  for (int64_t i = 0; i < n; ++i, row += k) {
    const int32_t truth = labels[i];
    int64_t predicted = 0, rank = 0;
    for (int64_t c = 0; c < k; ++c) {
      if (outranks(row[c], row[predicted])) predicted = c;
      if (outranks(row[c], row[truth]) || (c < truth && ties(row[c], row[truth]))) ++rank;
    }
    ++confusion_[truth * k + predicted];
    top1_ += rank == 0;
    topk_ += rank < top_k();
  }
  count_ += n;
  loss_sum_ += batch_mean_loss * static_cast<double>(n);
}

void ClassificationMetrics::merge(const ClassificationMetrics& other) {
  if (other.num_classes_ != num_classes_)
    throw ShapeError(fmt::format("metrics: cannot merge {} classes into {}", other.num_classes_, num_classes_));
  count_ += other.count_;
  top1_ += other.top1_;
  topk_ += other.topk_;
  loss_sum_ += other.loss_sum_;
  for (size_t i = 0; i < confusion_.size(); ++i) confusion_[i] += other.confusion_[i];
}

std::vector<double> ClassificationMetrics::sums() const {
  std::vector<double> out{static_cast<double>(count_), static_cast<double>(top1_), static_cast<double>(topk_),
                          loss_sum_};
  for (int64_t v : confusion_) out.push_back(static_cast<double>(v));
  return out;
}

void ClassificationMetrics::set_sums(std::span<const double> sums) {
  if (sums.size() != 4 + confusion_.size())
    throw ShapeError(fmt::format("metrics: {} sums for {} classes", sums.size(), num_classes_));
  count_ = static_cast<int64_t>(sums[0]);
  top1_ = static_cast<int64_t>(sums[1]);
  topk_ = static_cast<int64_t>(sums[2]);
  loss_sum_ = sums[3];
  for (size_t i = 0; i < confusion_.size(); ++i) confusion_[i] = static_cast<int64_t>(sums[4 + i]);
}

void ClassificationMetrics::reset() { *this = ClassificationMetrics(num_classes_); }

double ClassificationMetrics::loss() const {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : loss_sum_ / static_cast<double>(count_);
}

double ClassificationMetrics::top1() const { return ratio(top1_, count_); }
double ClassificationMetrics::top5() const { return ratio(topk_, count_); }

int64_t ClassificationMetrics::confusion(int64_t truth, int64_t predicted) const {
  if (truth < 0 || truth >= num_classes_ || predicted < 0 || predicted >= num_classes_)
    throw ShapeError(fmt::format("metrics: confusion({}, {}) outside {} classes", truth, predicted, num_classes_));
  return confusion_[truth * num_classes_ + predicted];
}

std::vector<double> ClassificationMetrics::per_class_accuracy() const {
  std::vector<double> acc;
  for (int64_t c = 0; c < num_classes_; ++c) {
    int64_t total = 0;
    for (int64_t p = 0; p < num_classes_; ++p) total += confusion_[c * num_classes_ + p];
    acc.push_back(ratio(confusion_[c * num_classes_ + c], total));
  }
  return acc;
}

nlohmann::json ClassificationMetrics::to_json(const std::vector<std::string>& names) const {
  check_names(names, num_classes_);
  nlohmann::json per_class = nlohmann::json::array(), matrix = nlohmann::json::array();
  for (int64_t c = 0; c < num_classes_; ++c) {
    const auto first = confusion_.begin() + c * num_classes_;
    const std::vector<int64_t> row(first, first + num_classes_);
    int64_t total = 0;
    for (int64_t v : row) total += v;
    per_class.push_back({{"class", names.empty() ? nlohmann::json(c) : nlohmann::json(names[c])},
                         {"count", total},
                         {"correct", row[c]},
                         {"accuracy", number_or_null(ratio(row[c], total))}});
    matrix.push_back(row);
  }
  return {{"count", count_},
          {"loss", number_or_null(loss())},
          {"accuracy", number_or_null(top1())},
          {"top5_accuracy", number_or_null(top5())},
          {"top_k", top_k()},
          {"per_class", std::move(per_class)},
          {"confusion", std::move(matrix)}};
}

std::string ClassificationMetrics::format_table(const std::vector<std::string>& names) const {
  check_names(names, num_classes_);
  size_t width = 5;
  for (int64_t c = 0; c < num_classes_; ++c) width = std::max(width, class_label(names, c).size());
  const auto percent = [](double x) { return std::isnan(x) ? std::string("-") : fmt::format("{:.2f}%", 100 * x); };
  std::string out = fmt::format("{:<{}}  {:>8}  {:>8}  {:>8}\n", "class", width, "count", "correct", "accuracy");
  const std::vector<double> acc = per_class_accuracy();
  for (int64_t c = 0; c < num_classes_; ++c) {
    int64_t total = 0;
    for (int64_t p = 0; p < num_classes_; ++p) total += confusion_[c * num_classes_ + p];
    out += fmt::format("{:<{}}  {:>8}  {:>8}  {:>8}\n", class_label(names, c), width, total,
                       confusion_[c * num_classes_ + c], percent(acc[c]));
  }
  out += fmt::format("{:<{}}  {:>8}  {:>8}  {:>8}\n", "all", width, count_, top1_, percent(top1()));
  return out;
}

std::string ClassificationMetrics::format_confusion(const std::vector<std::string>& names) const {
  check_names(names, num_classes_);
  size_t label_width = 4;  // "true"
  for (int64_t c = 0; c < num_classes_; ++c) label_width = std::max(label_width, class_label(names, c).size());
  size_t cell = std::to_string(num_classes_ - 1).size();
  for (int64_t v : confusion_) cell = std::max(cell, std::to_string(v).size());
  std::string out = fmt::format("{:<{}}", "true", label_width);
  for (int64_t p = 0; p < num_classes_; ++p) out += fmt::format(" {:>{}}", p, cell);
  out += "   (columns: predicted class)\n";
  for (int64_t c = 0; c < num_classes_; ++c) {
    out += fmt::format("{:<{}}", class_label(names, c), label_width);
    for (int64_t p = 0; p < num_classes_; ++p) out += fmt::format(" {:>{}}", confusion_[c * num_classes_ + p], cell);
    out += "\n";
  }
  return out;
}

}  // namespace nnlab::train
