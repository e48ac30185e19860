#include "backend/cpu/onednn_bnorm.h"

#include <fmt/format.h>

#include "backend/cpu/context.h"
#include "backend/cpu/onednn_util.h"

namespace nnlab::cpu {

using namespace dnnl;

std::string BnGeometry::key() const {
  return fmt::format("{}x{}x{}x{}|e{}|a{}|cl{}", n, c, h, w, eps, affine, channels_last);
}

namespace {

memory::desc data_md(const BnGeometry& g) {
  return g.channels_last ? memory::desc({g.n, g.c, g.h, g.w}, dt::f32, tag::nhwc) : plain_md({g.n, g.c, g.h, g.w});
}

normalization_flags flags(const BnGeometry& g, bool global_stats) {
  auto f = normalization_flags::none;
  if (g.affine) f = f | normalization_flags::use_scale | normalization_flags::use_shift;
  if (global_stats) f = f | normalization_flags::use_global_stats;
  return f;
}

batch_normalization_forward::primitive_desc forward_pd(const BnGeometry& g, bool training) {
  auto desc = batch_normalization_forward::desc(training ? prop_kind::forward_training : prop_kind::forward_inference,
                                                data_md(g), g.eps, flags(g, !training));
  return batch_normalization_forward::primitive_desc(desc, engine());
}

struct Forward : CachedPrimitive {
  batch_normalization_forward::primitive_desc pd;
  batch_normalization_forward prim;
};

struct Backward : CachedPrimitive {
  batch_normalization_backward::primitive_desc pd;
  batch_normalization_backward prim;
};

std::shared_ptr<Forward> forward(const BnGeometry& g, bool training) {
  return cached<Forward>(std::string(training ? "bn_fwd_t:" : "bn_fwd_i:") + g.key(), [&] {
    auto c = std::make_shared<Forward>();
    c->pd = forward_pd(g, training);
    c->prim = batch_normalization_forward(c->pd);
    return c;
  });
}

memory vec(const float* p, int64_t c) { return wrap(plain_md({c}), p); }

}  // namespace

void bnorm_forward_training(const BnGeometry& g, const float* src, const float* scale, const float* shift,
                            float* dst, float* mean, float* variance) {
  auto f = forward(g, true);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(f->pd.src_desc(), src)},
                                       {DNNL_ARG_DST, wrap(f->pd.dst_desc(), dst)},
                                       {DNNL_ARG_MEAN, vec(mean, g.c)},
                                       {DNNL_ARG_VARIANCE, vec(variance, g.c)}};
  if (g.affine) {
    args.emplace(DNNL_ARG_SCALE, vec(scale, g.c));
    args.emplace(DNNL_ARG_SHIFT, vec(shift, g.c));
  }
  f->prim.execute(stream(), args);
}

void bnorm_forward_inference(const BnGeometry& g, const float* src, const float* scale, const float* shift,
                             const float* mean, const float* variance, float* dst) {
  auto f = forward(g, false);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(f->pd.src_desc(), src)},
                                       {DNNL_ARG_DST, wrap(f->pd.dst_desc(), dst)},
                                       {DNNL_ARG_MEAN, vec(mean, g.c)},
                                       {DNNL_ARG_VARIANCE, vec(variance, g.c)}};
  if (g.affine) {
    args.emplace(DNNL_ARG_SCALE, vec(scale, g.c));
    args.emplace(DNNL_ARG_SHIFT, vec(shift, g.c));
  }
  f->prim.execute(stream(), args);
}

void bnorm_backward(const BnGeometry& g, const float* src, const float* diff_dst, const float* scale,
                    const float* shift, const float* mean, const float* variance, float* diff_src, float* diff_scale, float* diff_shift) {
  auto b = cached<Backward>("bn_bwd:" + g.key(), [&] {
    auto c = std::make_shared<Backward>();
    auto hint = forward_pd(g, true);
    auto desc = batch_normalization_backward::desc(g.affine ? prop_kind::backward : prop_kind::backward_data,
                                                   data_md(g), data_md(g), g.eps, flags(g, false));
    c->pd = batch_normalization_backward::primitive_desc(desc, engine(), hint);
    c->prim = batch_normalization_backward(c->pd);
    return c;
  });
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(b->pd.src_desc(), src)},
                                       {DNNL_ARG_DIFF_DST, wrap(b->pd.diff_dst_desc(), diff_dst)},
                                       {DNNL_ARG_MEAN, vec(mean, g.c)},
                                       {DNNL_ARG_VARIANCE, vec(variance, g.c)},
                                       {DNNL_ARG_DIFF_SRC, wrap(b->pd.diff_src_desc(), diff_src)}};
  if (g.affine) {
    args.emplace(DNNL_ARG_SCALE, vec(scale, g.c));
    args.emplace(DNNL_ARG_SHIFT, vec(shift, g.c));
    args.emplace(DNNL_ARG_DIFF_SCALE, vec(diff_scale, g.c));
    args.emplace(DNNL_ARG_DIFF_SHIFT, vec(diff_shift, g.c));
  }
  b->prim.execute(stream(), args);
}

}  // namespace nnlab::cpu
