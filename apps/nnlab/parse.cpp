#include "parse.h"

#include <fmt/format.h>

#include <charconv>
#include <sstream>

#include "command.h"

namespace nnlab::cli {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, sep)) parts.push_back(item);
  if (!text.empty() && text.back() == sep) parts.push_back("");
  return parts;
}

int64_t to_int(const std::string& flag, const std::string& part, const std::string& text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
  if (part.empty() || ec != std::errc() || p != part.data() + part.size() || v <= 0)
    usage_error(fmt::format("{} '{}': '{}' is not a positive integer", flag, text, part));
  return v;
}

}  // namespace

Shape parse_shape(const std::string& flag, const std::string& text) {
  Shape s;
  for (const std::string& part : split(text, 'x')) s.push_back(to_int(flag, part, text));
  if (s.empty()) usage_error(fmt::format("{} '{}': expected dimensions like 3x32x32", flag, text));
  // One sample of more values than this is no classifier's input (and would overflow the
  // sizes computed from it).
  constexpr int64_t kMaxValues = int64_t{1} << 28;
  int64_t values = 1;
  for (int64_t d : s) {
    if (d > kMaxValues / values)
      usage_error(fmt::format("{} '{}': more than {} values in one sample; give a smaller shape", flag, text,
                              kMaxValues));
    values *= d;
  }
  return s;
}

std::vector<int64_t> parse_int_list(const std::string& flag, const std::string& text) {
  std::vector<int64_t> v;
  for (const std::string& part : split(text, ',')) v.push_back(to_int(flag, part, text));
  return v;
}

std::vector<float> parse_float_list(const std::string& flag, const std::string& text) {
  std::vector<float> v;
  for (const std::string& part : split(text, ',')) {
    try {
      size_t used = 0;
      v.push_back(std::stof(part, &used));
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      usage_error(fmt::format("{} '{}': '{}' is not a number", flag, text, part));
    }
  }
  return v;
}

std::vector<std::string> parse_word_list(const std::string& text) { return split(text, ','); }

}  // namespace nnlab::cli
