// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header of {name: {dtype, shape, data_offsets}} and
// optional "__metadata__" strings, then the raw little-endian tensor bytes.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "nnlab/state_dict.h"

namespace nnlab::io {

struct TensorFile {
  StateDict tensors;  // in file order of their data
  std::map<std::string, std::string> metadata;
};

// Reads F32, F64, F16, BF16 and integer tensors (converted to float). Throws IoError naming
// the file and the fault for a truncated file, a corrupt header or offsets that do not fit.
TensorFile load_safetensors(const std::filesystem::path& path);
// The __metadata__ of a file, read from its header alone (a checkpoint's training state
// without reading its tensors).
std::map<std::string, std::string> load_safetensors_metadata(const std::filesystem::path& path);
TensorFile parse_safetensors(std::string_view bytes, const std::string& source);

// Writes atomically; integer entries as I64, the rest as F32.
void save_safetensors(const std::filesystem::path& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata = {});
std::string serialize_safetensors(const StateDict& tensors, const std::map<std::string, std::string>& metadata);

}  // namespace nnlab::io
