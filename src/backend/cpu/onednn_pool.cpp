#include "backend/cpu/onednn_pool.h"

#include <fmt/format.h>

#include "backend/cpu/context.h"
#include "backend/cpu/onednn_util.h"

namespace nnlab::cpu {

using namespace dnnl;

std::string PoolGeometry::key() const {
  return fmt::format("{}x{}x{}x{}|k{}s{}p{}|{}|cl{}", n, c, h, w, kernel, stride, padding, max ? "max" : "avg",
                     channels_last);
}

namespace {

memory::desc data_md(const PoolGeometry& g, int64_t h, int64_t w) {
  return g.channels_last ? memory::desc({g.n, g.c, h, w}, dt::f32, tag::nhwc) : plain_md({g.n, g.c, h, w});
}

algorithm alg(const PoolGeometry& g) {
  return g.max ? algorithm::pooling_max : algorithm::pooling_avg_include_padding;
}

pooling_forward::primitive_desc forward_pd(const PoolGeometry& g, bool training) {
  auto src = data_md(g, g.h, g.w), dst = data_md(g, g.oh, g.ow);
  memory::dims strides{g.stride, g.stride}, kernel{g.kernel, g.kernel}, pad{g.padding, g.padding};
  // The right padding makes oneDNN's output size formula give PyTorch's floor-mode size.
  memory::dims pad_r{(g.oh - 1) * g.stride + g.kernel - g.h - g.padding,
                     (g.ow - 1) * g.stride + g.kernel - g.w - g.padding};
  auto desc = pooling_forward::desc(training ? prop_kind::forward_training : prop_kind::forward_inference, alg(g),
                                    src, dst, strides, kernel, pad, pad_r);
  return pooling_forward::primitive_desc(desc, engine());
}

struct Forward : CachedPrimitive {
  pooling_forward::primitive_desc pd;
  pooling_forward prim;
};

struct Backward : CachedPrimitive {
  pooling_backward::primitive_desc pd;
  pooling_backward prim;
};

}  // namespace

Tensor pool2d_forward(const PoolGeometry& g, const float* src, float* dst, bool training) {
  auto f = cached<Forward>(std::string(training ? "pool_fwd_t:" : "pool_fwd_i:") + g.key(), [&] {
    auto c = std::make_shared<Forward>();
    c->pd = forward_pd(g, training);
    c->prim = pooling_forward(c->pd);
    return c;
  });
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(f->pd.src_desc(), src)},
                                       {DNNL_ARG_DST, wrap(f->pd.dst_desc(), dst)}};
  Tensor workspace;
  if (training && g.max) {
    workspace = Tensor::empty({float_count(f->pd.workspace_desc())});
    args.emplace(DNNL_ARG_WORKSPACE, memory(f->pd.workspace_desc(), engine(), workspace.data()));
  }
  f->prim.execute(stream(), args);
  return workspace;
}

void pool2d_backward(const PoolGeometry& g, const float* diff_dst, const Tensor& workspace, float* diff_src) {
  auto b = cached<Backward>("pool_bwd:" + g.key(), [&] {
    auto c = std::make_shared<Backward>();
    auto hint = forward_pd(g, true);
    auto desc = pooling_backward::desc(alg(g), hint.src_desc(), hint.dst_desc(), {g.stride, g.stride},
                                       {g.kernel, g.kernel}, {g.padding, g.padding},
                                       {(g.oh - 1) * g.stride + g.kernel - g.h - g.padding,
                                        (g.ow - 1) * g.stride + g.kernel - g.w - g.padding});
    c->pd = pooling_backward::primitive_desc(desc, engine(), hint);
    c->prim = pooling_backward(c->pd);
    return c;
  });
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, wrap(b->pd.diff_dst_desc(), diff_dst)},
                                       {DNNL_ARG_DIFF_SRC, wrap(b->pd.diff_src_desc(), diff_src)}};
  if (g.max) args.emplace(DNNL_ARG_WORKSPACE, memory(b->pd.workspace_desc(), engine(), workspace.data()));
  b->prim.execute(stream(), args);
}

}  // namespace nnlab::cpu
