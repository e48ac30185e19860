#include "data/csv_reader.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>

#include "nnlab/error.h"

namespace nnlab::data::detail {
namespace {

struct Line {
  int64_t number;  // 1-based, in the file
  std::vector<std::string> fields;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits one line on commas; a field in double quotes may hold commas and "" for a quote.
std::vector<std::string> split_fields(std::string_view line, const std::string& file, int64_t number) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    std::string field;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size())
          throw DataError(fmt::format("{}: line {}: a quoted field is not closed", file, number));
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      size_t comma = line.find(',', i);
      if (!trim(line.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i)).empty())
        throw DataError(fmt::format("{}: line {}: text after a closing quote", file, number));
      i = comma;
    } else {
      size_t comma = line.find(',', i);
      field = std::string(trim(line.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i)));
      i = comma;
    }
    fields.push_back(std::move(field));
    if (i == std::string_view::npos) break;
    ++i;
  }
  return fields;
}

// Every line that is not blank, split into fields.
std::vector<Line> split_lines(std::string_view text, const std::string& file) {
  if (text.find('\0') != std::string_view::npos)
    throw DataError(fmt::format("{}: holds NUL bytes, so it is not a text CSV file", file));
  std::vector<Line> lines;
  int64_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++number;
    if (trim(line).empty()) continue;
    lines.push_back({number, split_fields(line, file, number)});
  }
  return lines;
}

std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string quoted(const std::string& s) {
  return s.size() > 40 ? fmt::format("\"{}...\"", s.substr(0, 40)) : fmt::format("\"{}\"", s);
}

// The number in a feature cell, or a DataError naming the line and the column.
float feature_value(const std::string& cell, const std::string& file, int64_t line, size_t column,
                    const std::string& column_name) {
  const std::string where =
      fmt::format("{}: line {}, column {}{}", file, line, column + 1, column_name.empty() ? "" : " (" + column_name + ")");
  if (cell.empty()) throw DataError(where + ": the cell is empty; fill in the missing value or drop the row");
  auto v = parse_number(cell);
  if (!v) throw DataError(fmt::format("{}: {} is not a number", where, quoted(cell)));
  if (!std::isfinite(*v) || std::abs(*v) > 3.4e38)
    throw DataError(fmt::format("{}: {} is not a finite number", where, quoted(cell)));
  return static_cast<float>(*v);
}

void check_width(const Line& line, size_t width, const std::string& file, const std::string& what) {
  if (line.fields.size() != width)
    throw DataError(fmt::format("{}: line {} has {} fields but {} has {}; every row needs the same columns", file,
                                line.number, line.fields.size(), what, width));
}

size_t target_column(const std::vector<std::string>& header, const std::string& target, const std::string& file) {
  if (target.empty()) return header.size() - 1;
  size_t matches = std::count(header.begin(), header.end(), target);
  if (matches > 1) throw ConfigError(fmt::format("{}: `target` {}: {} columns have that name", file, target, matches));
  if (matches == 1) return std::find(header.begin(), header.end(), target) - header.begin();
  int64_t index = 0;
  auto [end, ec] = std::from_chars(target.data(), target.data() + target.size(), index);
  const auto n = static_cast<int64_t>(header.size());
  if (ec == std::errc() && end == target.data() + target.size() && index >= -n && index < n)
    return static_cast<size_t>(index < 0 ? index + n : index);
  std::string names;
  for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
  throw ConfigError(fmt::format("{}: `target` {} is neither a column name nor an index in {}..{}; the columns are: {}",
                                file, target, -n, n - 1, names));
}

// Maps raw label cells to class indices: integers in increasing order, or names sorted.
void assign_classes(const std::vector<std::string>& raw, const std::vector<int64_t>& lines, const std::string& file,
                    const std::string& column, Dataset& out) {
  bool all_numbers = true;
  for (const auto& r : raw) all_numbers = all_numbers && parse_number(r).has_value();
  out.labels.resize(raw.size());
  if (all_numbers) {
    std::map<int64_t, int32_t> classes;
    std::vector<int64_t> values(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      double v = *parse_number(raw[i]);
      if (!(std::abs(v) < 1e15 && v == std::floor(v)))
        throw DataError(fmt::format("{}: line {}: label {} in column {} is not a whole number; class labels must be "
                                    "integers or names",
                                    file, lines[i], quoted(raw[i]), column));
      values[i] = static_cast<int64_t>(v);
      classes.emplace(values[i], 0);
    }
    for (auto& [value, index] : classes) {
      index = out.num_classes++;
      out.class_names.push_back(std::to_string(value));
    }
    for (size_t i = 0; i < raw.size(); ++i) out.labels[i] = classes[values[i]];
    return;
  }
  std::map<std::string, int32_t> classes;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i].empty())
      throw DataError(fmt::format("{}: line {}: the label in column {} is empty", file, lines[i], column));
    classes.emplace(raw[i], 0);
  }
  for (auto& [name, index] : classes) {
    index = out.num_classes++;
    out.class_names.push_back(name);
  }
  for (size_t i = 0; i < raw.size(); ++i) out.labels[i] = classes[raw[i]];
}

}  // namespace

Dataset parse_csv_table(std::string_view text, const std::string& file, const std::string& target) {
  std::vector<Line> lines = split_lines(text, file);
  if (lines.empty()) throw DataError(fmt::format("{}: the file is empty; a CSV needs a header line and rows", file));
  const std::vector<std::string>& header = lines[0].fields;
  if (header.size() < 2)
    throw DataError(fmt::format("{}: the header names {} column; a dataset needs features and a label column", file,
                                header.size()));
  // Column names that are all numbers are a first row of data: reading it as the header
  // would lose that row without a word.
  if (std::all_of(header.begin(), header.end(), [](const std::string& h) { return parse_number(h).has_value(); }))
    throw DataError(fmt::format("{}: line 1 ({}) is a row of numbers, not a header: nnlab reads line 1 as the column "
                                "names; add a header line naming the columns",
                                file, quoted(lines[0].fields.empty() ? "" : lines[0].fields[0] + ",...")));
  if (lines.size() < 2) throw DataError(fmt::format("{}: a header but no rows", file));
  const size_t label = target_column(header, target, file);

  Dataset out;
  out.num_features = static_cast<int64_t>(header.size() - 1);
  for (size_t c = 0; c < header.size(); ++c)
    if (c != label) out.feature_names.push_back(header[c]);
  std::vector<std::string> raw_labels;
  std::vector<int64_t> line_numbers;
  out.features.reserve((lines.size() - 1) * out.num_features);
  for (size_t r = 1; r < lines.size(); ++r) {
    const Line& line = lines[r];
    check_width(line, header.size(), file, "the header");
    for (size_t c = 0; c < line.fields.size(); ++c)
      if (c != label) out.features.push_back(feature_value(line.fields[c], file, line.number, c, header[c]));
    raw_labels.push_back(line.fields[label]);
    line_numbers.push_back(line.number);
  }
  assign_classes(raw_labels, line_numbers, file, fmt::format("{} ({})", label + 1, header[label]), out);
  out.source = file;
  return out;
}

Dataset parse_sklearn_table(std::string_view text, const std::string& file, const SklearnLayout& layout) {
  std::vector<Line> lines = split_lines(text, file);
  Dataset out;
  int64_t rows = layout.rows;
  size_t first = 0;
  if (layout.counts_header) {
    if (lines.empty()) throw DataError(fmt::format("{}: the file is empty", file));
    const Line& head = lines[0];
    auto count = [&](size_t i, const char* what) {
      auto v = i < head.fields.size() ? parse_number(head.fields[i]) : std::nullopt;
      if (!v || *v < 1 || *v > 1e9 || *v != std::floor(*v))
        throw DataError(fmt::format("{}: line 1 should start with the number of {} (scikit-learn's layout: rows, "
                                    "features, class names), not {}",
                                    file, what, i < head.fields.size() ? quoted(head.fields[i]) : "nothing"));
      return static_cast<int64_t>(*v);
    };
    rows = count(0, "rows");
    out.num_features = count(1, "features");
    out.class_names.assign(head.fields.begin() + 2, head.fields.end());
    if (out.class_names.empty())
      throw DataError(fmt::format("{}: line 1 names no classes after the row and feature counts", file));
    first = 1;
  } else {
    out.num_features = layout.features;
    out.class_names = layout.class_names;
  }
  out.num_classes = static_cast<int32_t>(out.class_names.size());
  const int64_t found = static_cast<int64_t>(lines.size() - first);
  if (found != rows)
    throw DataError(fmt::format("{}: {} rows where {} are expected{}; the file is damaged or incomplete", file, found,
                                rows, layout.counts_header ? " (the count on line 1)" : ""));
  const size_t width = static_cast<size_t>(out.num_features) + 1;
  for (size_t r = first; r < lines.size(); ++r) {
    const Line& line = lines[r];
    check_width(line, width, file, layout.counts_header ? "line 1 (features + label)" : "the layout (features + label)");
    for (size_t c = 0; c + 1 < width; ++c) out.features.push_back(feature_value(line.fields[c], file, line.number, c, ""));
    auto label = parse_number(line.fields.back());
    if (!label || *label < 0 || *label >= out.num_classes || *label != std::floor(*label))
      throw DataError(fmt::format("{}: line {}: label {} is not a class index in 0..{}", file, line.number,
                                  quoted(line.fields.back()), out.num_classes - 1));
    out.labels.push_back(static_cast<int32_t>(*label));
  }
  out.source = file;
  return out;
}

}  // namespace nnlab::data::detail
