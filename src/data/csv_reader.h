// Tables of numbers as datasets: a CSV with a header naming its columns (csv:PATH), and the
// tables scikit-learn ships, read as they are.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/data/dataset.h"

namespace nnlab::data::detail {

// A CSV whose first line names the columns. `target` picks the label column by name or by
// index (0-based, negative from the end); empty means the last column. Every other cell
// must be a finite number. Labels that are all integers become classes in increasing
// order; otherwise every distinct label is a class name, in sorted order.
Dataset parse_csv_table(std::string_view text, const std::string& file, const std::string& target);

// scikit-learn's bundled tables (sklearn/datasets/data): breast_cancer.csv, iris.csv and
// wine_data.csv start with "rows,features,class names..."; digits.csv.gz has no header
// (its shape is then given). Each row is the features and an integer label.
struct SklearnLayout {
  bool counts_header = true;
  int64_t rows = 0, features = 0;       // when !counts_header
  std::vector<std::string> class_names;  // when !counts_header
};
Dataset parse_sklearn_table(std::string_view text, const std::string& file, const SklearnLayout& layout);

}  // namespace nnlab::data::detail
