// Classification metrics accumulated over batches: mean loss, top-1 and top-5 accuracy,
// per-class accuracy and the confusion matrix, as JSON or as plain-text tables (returned as
// strings; the library never prints).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nnlab/tensor.h"

namespace nnlab::train {

class ClassificationMetrics {
 public:
  explicit ClassificationMetrics(int64_t num_classes);

  // Adds a batch: logits N×K, labels N classes in [0, K) (DataError otherwise), and the
  // batch's mean loss, which counts N times in loss(). The predicted class is the first
  // largest logit (NaN counts as largest, as in torch.argmax); a sample is in the top k when
  // fewer than k classes outrank its label (ties go to the lower class index).
  void update(const Tensor& logits, std::span<const int32_t> labels, double batch_mean_loss);
  // Adds another accumulator's counts (for example another process's share of the data).
  void merge(const ClassificationMetrics& other);
  // The accumulated sums as numbers (count, top-1, top-k, loss sum, confusion), and back:
  // what ranks of a distributed run add up to get the whole split's metrics.
  std::vector<double> sums() const;
  void set_sums(std::span<const double> sums);
  void reset();

  int64_t num_classes() const { return num_classes_; }
  int64_t count() const { return count_; }
  int top_k() const { return num_classes_ < 5 ? static_cast<int>(num_classes_) : 5; }
  // Means over samples; NaN before any update.
  double loss() const;
  double top1() const;  // fraction in [0, 1]
  double top5() const;  // top-min(5, K) accuracy
  // Recall of each true class (correct / samples of that class); NaN for a class without samples.
  std::vector<double> per_class_accuracy() const;
  // K×K counts, row-major: row = true class, column = predicted class.
  const std::vector<int64_t>& confusion() const { return confusion_; }
  int64_t confusion(int64_t truth, int64_t predicted) const;

  // {"count", "loss", "accuracy", "top5_accuracy", "top_k", "per_class": [{"class", "count",
  // "correct", "accuracy"}], "confusion": [[...]]}; accuracies are fractions, NaN is null.
  // class_names, when given, has one name per class (ConfigError otherwise).
  nlohmann::json to_json(const std::vector<std::string>& class_names = {}) const;
  // A per-class table (count, correct, accuracy %) with a total line.
  std::string format_table(const std::vector<std::string>& class_names = {}) const;
  // The confusion matrix: rows are true classes (by name when given), columns predicted
  // class indices.
  std::string format_confusion(const std::vector<std::string>& class_names = {}) const;

 private:
  int64_t num_classes_;
  int64_t count_ = 0;
  int64_t top1_ = 0;
  int64_t topk_ = 0;
  double loss_sum_ = 0;
  std::vector<int64_t> confusion_;
};

}  // namespace nnlab::train
