// The two-class problems of ce-vs-mse as standardised feature matrices: breast-cancer, and
// the Fashion-MNIST pair T-shirt/top (0) vs Shirt (6), the two classes a linear model
// confuses most.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab::experiments {

struct BinaryProblem {
  std::string name;                    // "breast-cancer", "fashion-mnist-pair"
  std::string source;                  // where the data was read from
  std::string standardisation;         // how the features were scaled, for the report
  std::string negative, positive;      // class names of label 0 and label 1
  Tensor x_train, x_test;              // [N, F], contiguous
  std::vector<float> y_train, y_test;  // 0 or 1
  int64_t features() const { return x_train.size(1); }
  int64_t train_size() const { return x_train.size(0); }
  int64_t test_size() const { return x_test.size(0); }
};

// Standardised per feature with the training split's mean and std (scikit-learn's
// StandardScaler); the test split is the data layer's stratified 20 %.
BinaryProblem load_breast_cancer(const std::filesystem::path& data_dir);

// Pixels scaled to [0, 1] and normalised with the training pair's one mean and std (the
// course's Normalize(mean, std) on one channel). train_limit > 0 keeps a stratified
// subset of that many training images (the quick run).
BinaryProblem load_fashion_pair(const std::filesystem::path& data_dir, int64_t train_limit, uint64_t seed);

}  // namespace nnlab::experiments
