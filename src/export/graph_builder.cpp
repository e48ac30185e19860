#include "export/graph_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace nnlab::onnx_export {

static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian");

std::string GraphBuilder::unique(const std::string& name) {
  std::string n = name;
  for (int i = 1; names_.count(n); ++i) n = fmt::format("{}_{}", name, i);
  names_.insert(n);
  return n;
}

std::string GraphBuilder::initializer(const std::string& name, const Shape& shape, std::span<const float> values) {
  ::onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(unique(name));
  t->set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : shape) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  return t->name();
}

std::string GraphBuilder::initializer(const std::string& name, const Tensor& value) {
  const std::vector<float> v = value.to_vector();
  return initializer(name, value.shape(), v);
}

::onnx::NodeProto& GraphBuilder::node(const std::string& op, const std::string& scope,
                                      const std::vector<std::string>& inputs) {
  std::string path = scope;
  std::replace(path.begin(), path.end(), '.', '/');
  const std::string base = path.empty() ? op : "/" + path + "/" + op;
  ::onnx::NodeProto* n = graph_.add_node();
  n->set_op_type(op);
  n->set_name(unique(base));
  for (const std::string& in : inputs) n->add_input(in);
  n->add_output(unique(n->name() + "_output_0"));
  return *n;
}

void GraphBuilder::set_attribute(::onnx::NodeProto& node, const std::string& name, int64_t value) {
  ::onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(value);
}

void GraphBuilder::set_attribute(::onnx::NodeProto& node, const std::string& name, float value) {
  ::onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void GraphBuilder::set_attribute(::onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  ::onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

}  // namespace nnlab::onnx_export
