#include "backend/cpu/onednn_eltwise.h"

#include <fmt/format.h>

#include "backend/cpu/context.h"
#include "backend/cpu/onednn_util.h"

namespace nnlab::cpu {

using namespace dnnl;

namespace {

dnnl::eltwise_forward::primitive_desc forward_pd(algorithm alg, float alpha, int64_t n) {
  auto md = plain_md({n});
  return dnnl::eltwise_forward::primitive_desc(dnnl::eltwise_forward::desc(prop_kind::forward_training, alg, md, alpha, 0.0f),
                                         engine());
}

struct Forward : CachedPrimitive {
  dnnl::eltwise_forward prim;
};

struct Backward : CachedPrimitive {
  dnnl::eltwise_backward prim;
};

}  // namespace

void eltwise_forward(algorithm alg, float alpha, const float* src, float* dst, int64_t n) {
  if (n == 0) return;
  auto f = cached<Forward>(fmt::format("elt_fwd:{}:{}:{}", int(alg), alpha, n), [&] {
    auto c = std::make_shared<Forward>();
    c->prim = dnnl::eltwise_forward(forward_pd(alg, alpha, n));
    return c;
  });
  auto md = plain_md({n});
  f->prim.execute(stream(), {{DNNL_ARG_SRC, wrap(md, src)}, {DNNL_ARG_DST, wrap(md, dst)}});
}

void eltwise_backward(algorithm alg, float alpha, const float* data, const float* diff_dst, float* diff_src,
                      int64_t n) {
  if (n == 0) return;
  auto b = cached<Backward>(fmt::format("elt_bwd:{}:{}:{}", int(alg), alpha, n), [&] {
    auto c = std::make_shared<Backward>();
    auto md = plain_md({n});
    auto desc = dnnl::eltwise_backward::desc(alg, md, md, alpha, 0.0f);
    c->prim = dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(desc, engine(), forward_pd(alg, alpha, n)));
    return c;
  });
  auto md = plain_md({n});
  bool use_dst = alg == algorithm::eltwise_logistic_use_dst_for_bwd || alg == algorithm::eltwise_tanh_use_dst_for_bwd ||
                 alg == algorithm::eltwise_relu_use_dst_for_bwd;
  b->prim.execute(stream(), {{use_dst ? DNNL_ARG_DST : DNNL_ARG_SRC, wrap(md, data)},
                             {DNNL_ARG_DIFF_DST, wrap(md, diff_dst)},
                             {DNNL_ARG_DIFF_SRC, wrap(md, diff_src)}});
}

}  // namespace nnlab::cpu
