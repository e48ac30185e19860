#include "backend/cpu/onednn_conv.h"

#include <fmt/format.h>

#include "backend/cpu/context.h"
#include "backend/cpu/onednn_util.h"

namespace nnlab::cpu {

using namespace dnnl;

std::string ConvGeometry::key() const {
  return fmt::format("{}x{}x{}x{}|{}x{}x{}|s{}p{}d{}|b{}", n, c, h, w, o, kh, kw, stride, padding, dilation, bias);
}

namespace {

struct Descs {
  memory::desc src, wei, bias, dst;  // plain user layouts
  memory::desc src_any, wei_any, bias_any, dst_any;
  memory::dims strides, dilates, pads;
};

Descs descs(const ConvGeometry& g) {
  Descs d;
  memory::dims src{g.n, g.c, g.h, g.w}, wei{g.o, g.c, g.kh, g.kw}, bias{g.o}, dst{g.n, g.o, g.oh, g.ow};
  d.src = plain_md(src);
  d.wei = plain_md(wei);
  d.bias = plain_md(bias);
  d.dst = plain_md(dst);
  d.src_any = memory::desc(src, dt::f32, tag::any);
  d.wei_any = memory::desc(wei, dt::f32, tag::any);
  d.bias_any = memory::desc(bias, dt::f32, tag::any);
  d.dst_any = memory::desc(dst, dt::f32, tag::any);
  d.strides = {g.stride, g.stride};
  d.dilates = {g.dilation - 1, g.dilation - 1};  // oneDNN counts dilation from 0
  d.pads = {g.padding, g.padding};
  return d;
}

convolution_forward::primitive_desc forward_pd(const ConvGeometry& g, bool training) {
  Descs d = descs(g);
  auto kind = training ? prop_kind::forward_training : prop_kind::forward_inference;
  auto desc = g.bias ? convolution_forward::desc(kind, algorithm::convolution_direct, d.src_any, d.wei_any,
                                                 d.bias_any, d.dst_any, d.strides, d.dilates, d.pads, d.pads)
                     : convolution_forward::desc(kind, algorithm::convolution_direct, d.src_any, d.wei_any,
                                                 d.dst_any, d.strides, d.dilates, d.pads, d.pads);
  return convolution_forward::primitive_desc(desc, engine());
}

struct Forward : CachedPrimitive {
  convolution_forward::primitive_desc pd;
  convolution_forward prim;
};

struct BackwardData : CachedPrimitive {
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data prim;
};

struct BackwardWeights : CachedPrimitive {
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
};

}  // namespace

void conv2d_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias, float* dst,
                    bool training) {
  auto f = cached<Forward>((training ? "conv_fwd_t:" : "conv_fwd_i:") + g.key(), [&] {
    auto c = std::make_shared<Forward>();
    c->pd = forward_pd(g, training);
    c->prim = convolution_forward(c->pd);
    return c;
  });
  Descs d = descs(g);
  Staged s = stage_input(d.src, src, f->pd.src_desc());
  Staged w = stage_input(d.wei, weight, f->pd.weights_desc());
  bool direct_dst = f->pd.dst_desc() == d.dst;
  Tensor dst_buf = direct_dst ? Tensor() : Tensor::empty({float_count(f->pd.dst_desc())});
  float* out = direct_dst ? dst : dst_buf.data();
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(f->pd.src_desc(), s.ptr)},
                                       {DNNL_ARG_WEIGHTS, wrap(f->pd.weights_desc(), w.ptr)},
                                       {DNNL_ARG_DST, wrap(f->pd.dst_desc(), out)}};
  if (g.bias) args.emplace(DNNL_ARG_BIAS, wrap(f->pd.bias_desc(), bias));
  f->prim.execute(stream(), args);
  if (!direct_dst) reorder(f->pd.dst_desc(), out, d.dst, dst);
}

void conv2d_backward_data(const ConvGeometry& g, const float* diff_dst, const float* weight, float* diff_src) {
  auto b = cached<BackwardData>("conv_bwd_d:" + g.key(), [&] {
    Descs d = descs(g);
    auto c = std::make_shared<BackwardData>();
    auto hint = forward_pd(g, true);
    auto desc = convolution_backward_data::desc(algorithm::convolution_direct, d.src_any, d.wei_any, d.dst_any,
                                                d.strides, d.dilates, d.pads, d.pads);
    c->pd = convolution_backward_data::primitive_desc(desc, engine(), hint);
    c->prim = convolution_backward_data(c->pd);
    return c;
  });
  Descs d = descs(g);
  Staged dd = stage_input(d.dst, diff_dst, b->pd.diff_dst_desc());
  Staged w = stage_input(d.wei, weight, b->pd.weights_desc());
  bool direct = b->pd.diff_src_desc() == d.src;
  Tensor buf = direct ? Tensor() : Tensor::empty({float_count(b->pd.diff_src_desc())});
  float* out = direct ? diff_src : buf.data();
  b->prim.execute(stream(), {{DNNL_ARG_DIFF_DST, wrap(b->pd.diff_dst_desc(), dd.ptr)},
                             {DNNL_ARG_WEIGHTS, wrap(b->pd.weights_desc(), w.ptr)},
                             {DNNL_ARG_DIFF_SRC, wrap(b->pd.diff_src_desc(), out)}});
  if (!direct) reorder(b->pd.diff_src_desc(), out, d.src, diff_src);
}

void conv2d_backward_weights(const ConvGeometry& g, const float* src, const float* diff_dst, float* diff_weight,
                             float* diff_bias) {
  auto b = cached<BackwardWeights>("conv_bwd_w:" + g.key(), [&] {
    Descs d = descs(g);
    auto c = std::make_shared<BackwardWeights>();
    auto hint = forward_pd(g, true);
    auto desc = g.bias ? convolution_backward_weights::desc(algorithm::convolution_direct, d.src_any, d.wei_any,
                                                            d.bias_any, d.dst_any, d.strides, d.dilates, d.pads, d.pads)
                       : convolution_backward_weights::desc(algorithm::convolution_direct, d.src_any, d.wei_any,
                                                            d.dst_any, d.strides, d.dilates, d.pads, d.pads);
    c->pd = convolution_backward_weights::primitive_desc(desc, engine(), hint);
    c->prim = convolution_backward_weights(c->pd);
    return c;
  });
  Descs d = descs(g);
  Staged s = stage_input(d.src, src, b->pd.src_desc());
  Staged dd = stage_input(d.dst, diff_dst, b->pd.diff_dst_desc());
  bool direct = b->pd.diff_weights_desc() == d.wei;
  Tensor buf = direct ? Tensor() : Tensor::empty({float_count(b->pd.diff_weights_desc())});
  float* out = direct ? diff_weight : buf.data();
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(b->pd.src_desc(), s.ptr)},
                                       {DNNL_ARG_DIFF_DST, wrap(b->pd.diff_dst_desc(), dd.ptr)},
                                       {DNNL_ARG_DIFF_WEIGHTS, wrap(b->pd.diff_weights_desc(), out)}};
  if (g.bias) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(b->pd.diff_bias_desc(), diff_bias));
  b->prim.execute(stream(), args);
  if (!direct) reorder(b->pd.diff_weights_desc(), out, d.wei, diff_weight);
}

}  // namespace nnlab::cpu
