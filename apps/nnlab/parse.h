// Parsing of flag values shared by the verbs; a bad value is a usage error naming the flag.
#pragma once

#include <string>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab::cli {

Shape parse_shape(const std::string& flag, const std::string& text);  // "3x32x32"
std::vector<int64_t> parse_int_list(const std::string& flag, const std::string& text);  // "512,256"
std::vector<float> parse_float_list(const std::string& flag, const std::string& text);
std::vector<std::string> parse_word_list(const std::string& text);  // "relu,tanh"

}  // namespace nnlab::cli
