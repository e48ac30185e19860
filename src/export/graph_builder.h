// GraphBuilder: appends nodes and initializers to an onnx::GraphProto under unique names,
// PyTorch's naming: initializers by state-dict key ("features.0.weight"), node outputs
// "/<scope>/<Op>_output_0".
#pragma once

#include <onnx/onnx_pb.h>

#include <set>
#include <span>
#include <string>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab::onnx_export {

class GraphBuilder {
 public:
  explicit GraphBuilder(::onnx::GraphProto& graph) : graph_(graph) {}

  // A float32 initializer holding `values` (row-major); returns its (unique) name.
  std::string initializer(const std::string& name, const Shape& shape, std::span<const float> values);
  std::string initializer(const std::string& name, const Tensor& value);
  std::string scalar(const std::string& name, float value) { return initializer(name, {}, std::span(&value, 1)); }

  // A node of `op` on `inputs` with one output; `scope` is the module's dotted name.
  ::onnx::NodeProto& node(const std::string& op, const std::string& scope, const std::vector<std::string>& inputs);
  static const std::string& output(const ::onnx::NodeProto& node) { return node.output(0); }

  static void set_attribute(::onnx::NodeProto& node, const std::string& name, int64_t value);
  static void set_attribute(::onnx::NodeProto& node, const std::string& name, float value);
  static void set_attribute(::onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values);

 private:
  std::string unique(const std::string& name);

  ::onnx::GraphProto& graph_;
  std::set<std::string> names_;
};

}  // namespace nnlab::onnx_export
