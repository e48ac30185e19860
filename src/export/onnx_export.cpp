#include "nnlab/export/onnx.h"

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <nlohmann/json.hpp>

#include "export/graph_builder.h"
#include "export/lowering.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/version.h"

namespace nnlab::onnx_export {

namespace {

// IR version 7 came with opset 12–14, 8 with opset 15–17 (onnx/docs/Versioning.md).
int64_t ir_version_for(int opset) { return opset >= 15 ? 8 : 7; }

void set_float_type(::onnx::ValueInfoProto& v, const std::string& name, const std::string& batch, const Shape& rest) {
  v.set_name(name);
  ::onnx::TypeProto_Tensor* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(::onnx::TensorProto::FLOAT);
  ::onnx::TensorShapeProto* s = t->mutable_shape();
  s->add_dim()->set_dim_param(batch);
  for (int64_t d : rest) s->add_dim()->set_dim_value(d);
}

// The shape of one output sample: the model run once, in eval mode, on a zero sample.
Shape output_sample_shape(nn::Module& model, const Shape& input) {
  const bool was_training = model.is_training();
  model.eval();
  Shape batch{1};
  batch.insert(batch.end(), input.begin(), input.end());
  Tensor y;
  try {
    NoGradGuard no_grad;
    y = model(Tensor::zeros(batch));
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);
  return Shape(y.shape().begin() + 1, y.shape().end());
}

void add_metadata(::onnx::ModelProto& m, const std::string& key, const std::string& value) {
  ::onnx::StringStringEntryProto* e = m.add_metadata_props();
  e->set_key(key);
  e->set_value(value);
}

}  // namespace

void check_options(const ExportOptions& o) {
  if (o.opset < kMinOpset || o.opset > kMaxOpset)
    throw ConfigError(fmt::format("`opset` {} is not supported: nnlab writes ONNX opsets {} to {} (default {})", o.opset,
                                  kMinOpset, kMaxOpset, kMaxOpset));
  if (o.input.empty())
    throw ShapeError("ONNX export needs the model's input shape (C, H, W, or the number of features)");
  for (int64_t d : o.input)
    if (d <= 0) throw ShapeError(fmt::format("ONNX export: input shape {} has a non-positive dimension", shape_str(o.input)));
}

std::string export_bytes(nn::Module& model, const ExportOptions& o) {
  check_options(o);
  const Shape out_shape = output_sample_shape(model, o.input);

  ::onnx::ModelProto m;
  m.set_ir_version(ir_version_for(o.opset));
  m.set_producer_name("nnlab");
  m.set_producer_version(version());
  ::onnx::OperatorSetIdProto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(o.opset);
  ::onnx::GraphProto* graph = m.mutable_graph();
  graph->set_name(o.graph_name);
  set_float_type(*graph->add_input(), o.input_name, o.batch_name, o.input);

  GraphBuilder g(*graph);
  std::string result = lower(model, "", o.input_name, g, {o.fold_batch_norm});
  if (result == o.input_name) result = GraphBuilder::output(g.node("Identity", "", {result}));
  // The last node's output takes the published name.
  for (auto& node : *graph->mutable_node())
    for (auto& out : *node.mutable_output())
      if (out == result) out = o.output_name;
  set_float_type(*graph->add_output(), o.output_name, o.batch_name, out_shape);

  if (!o.class_names.empty()) add_metadata(m, "class_names", nlohmann::json(o.class_names).dump());
  for (const auto& [k, v] : o.metadata) add_metadata(m, k, v);

  try {
    ::onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    throw Error(fmt::format("ONNX export: the graph fails ONNX's checker ({}); nothing was written", e.what()));
  }
  std::string bytes;
  if (!m.SerializeToString(&bytes)) throw Error("ONNX export: protobuf could not serialise the model (over 2 GiB?)");
  return bytes;
}

void export_onnx(nn::Module& model, const ExportOptions& options, const std::filesystem::path& file) {
  io::write_file_atomic(file, export_bytes(model, options));
}

}  // namespace nnlab::onnx_export
