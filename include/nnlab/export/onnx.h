// ONNX export of a zoo model's eval-mode graph, built with the ONNX project's own protobuf
// classes and checked by its checker (onnx::checker::check_model) before a byte is written.
// The graph has one input of shape [N, C, H, W] (or [N, features]) with a symbolic batch
// dimension N, one output [N, K] of logits; dropout is gone (the identity in eval) and batch
// norm is folded into the convolution before it unless asked to stay a BatchNormalization node.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "nnlab/nn/module.h"

namespace nnlab::onnx_export {

// The opsets the exporter writes: 13 to 17, the range Debian's python3-torch 1.13 exports and
// Debian's libonnx 1.12 checks.
inline constexpr int kMinOpset = 13;
inline constexpr int kMaxOpset = 17;

struct ExportOptions {
  int opset = kMaxOpset;
  Shape input;                     // one sample as the model sees it: C, H, W (or features)
  bool fold_batch_norm = true;     // a BatchNorm2d right after a Conv2d becomes the Conv's weights
  std::string input_name = "input";
  std::string output_name = "logits";
  std::string batch_name = "N";    // the symbolic batch dimension
  std::string graph_name = "nnlab";
  std::vector<std::string> class_names;  // stored as JSON in the metadata key "class_names"
  // Further metadata_props (model, normalisation, ...), written in this order.
  std::vector<std::pair<std::string, std::string>> metadata;
};

// Throws ConfigError for an opset out of range, ShapeError for an input the model cannot take,
// Error naming the module for a layer ONNX export does not know.
void check_options(const ExportOptions& options);

// The checked model, serialised (the bytes of a .onnx file). `model` is run once in eval mode
// on one zero sample to learn the output width; its training flag is restored afterwards.
std::string export_bytes(nn::Module& model, const ExportOptions& options);

// export_bytes, written atomically to `file`.
void export_onnx(nn::Module& model, const ExportOptions& options, const std::filesystem::path& file);

}  // namespace nnlab::onnx_export
