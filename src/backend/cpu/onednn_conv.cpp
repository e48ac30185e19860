#include "backend/cpu/onednn_conv.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "backend/cpu/context.h"
#include "backend/cpu/onednn_util.h"

namespace nnlab::cpu {

using namespace dnnl;

// oneDNN kernels are built for the thread count at creation (some synchronise their threads
// inside with barriers that wait for exactly that many), so the count is part of the key: a
// kernel built for 2 threads and run on 1 (batch split) would wait forever.
std::string ConvGeometry::key() const {
  return fmt::format("{}x{}x{}x{}|{}x{}x{}|s{}p{}d{}|b{}|{}|r{}{}|t{}", n, c, h, w, o, kh, kw, stride, padding,
                     dilation, bias, bf16 ? "bf16" : "f32", relu, sum, omp_get_max_threads());
}

void to_bf16(const float* src, void* dst, int64_t n) { NNLAB_ISA_CALL(to_bf16, src, dst, n); }

namespace {

struct Descs {
  memory::desc src, wei, bias, dst;  // NHWC activations, OIHW weights (float32)
  memory::desc src_in, dst_in;       // the input and the output gradient as given (bf16 or f32)
  memory::desc wei_any, dwei_any;    // weights as the primitive wants them, and their gradient
  memory::dims strides, dilates, pads;
};

Descs descs(const ConvGeometry& g) {
  Descs d;
  const auto in = g.bf16 ? dt::bf16 : dt::f32;
  d.src = memory::desc({g.n, g.c, g.h, g.w}, dt::f32, tag::nhwc);
  d.dst = memory::desc({g.n, g.o, g.oh, g.ow}, dt::f32, tag::nhwc);
  d.src_in = memory::desc({g.n, g.c, g.h, g.w}, in, tag::nhwc);
  d.dst_in = memory::desc({g.n, g.o, g.oh, g.ow}, in, tag::nhwc);
  d.wei = plain_md({g.o, g.c, g.kh, g.kw});
  d.bias = plain_md({g.o});
  d.wei_any = memory::desc({g.o, g.c, g.kh, g.kw}, in, tag::any);
  d.dwei_any = memory::desc({g.o, g.c, g.kh, g.kw}, dt::f32, tag::any);
  d.strides = {g.stride, g.stride};
  d.dilates = {g.dilation - 1, g.dilation - 1};  // oneDNN counts dilation from 0
  d.pads = {g.padding, g.padding};
  return d;
}

// Scratch memory is ours, per call: with oneDNN's default ("library") mode, primitives share
// one global scratchpad, and threads running convolutions on shares of a batch at once
// (conv_batch_split.h) overwrote each other's (wrong logits in the zoo golden test).
primitive_attr user_scratchpad() {
  primitive_attr attr;
  attr.set_scratchpad_mode(scratchpad_mode::user);
  return attr;
}

// Runs a primitive with a scratchpad of its size from the tensor allocator.
void run(const primitive& prim, const memory::desc& scratch, std::unordered_map<int, memory> args) {
  Tensor buf;
  if (scratch.get_size() > 0) {
    buf = Tensor::empty({float_count(scratch)});
    args.emplace(DNNL_ARG_SCRATCHPAD, wrap(scratch, buf.data()));
  }
  prim.execute(stream(), args);
}

convolution_forward::primitive_desc forward_pd(const ConvGeometry& g, bool training) {
  Descs d = descs(g);
  auto kind = training ? prop_kind::forward_training : prop_kind::forward_inference;
  auto desc = g.bias ? convolution_forward::desc(kind, algorithm::convolution_direct, d.src_in, d.wei_any, d.bias,
                                                 d.dst, d.strides, d.dilates, d.pads, d.pads)
                     : convolution_forward::desc(kind, algorithm::convolution_direct, d.src_in, d.wei_any, d.dst,
                                                 d.strides, d.dilates, d.pads, d.pads);
  primitive_attr attr = user_scratchpad();
  if (g.sum || g.relu) {
    post_ops ops;
    if (g.sum) ops.append_sum(1.0f);
    if (g.relu) ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  return convolution_forward::primitive_desc(desc, attr, engine());
}

// The weights in a primitive's layout, reordered when their identity changes: once per
// optimizer step in training, once in all for inference. Threads running one primitive on
// parts of a batch (conv_batch_split.h) share the copy; uncached weights (id 0) get a copy
// per call, held by the caller.
struct Weights {
  Tensor hold;
  const float* ptr;
};

// One reordered copy per weight identity: layers of the same geometry share a primitive
// (resnet20 has six 16-channel 3x3 layers), and a single slot made each of them reorder its
// weights again on every call. A few dozen slots cover every zoo model; the least recently
// used goes first, so weights that are gone (a refolded batch norm) do not pile up.
class WeightCache {
 public:
  Weights get(const memory::desc& plain, const memory::desc& want, WeightRef w) {
    if (plain == want) return {Tensor(), w.data};
    if (w.id == 0) {
      Tensor copy = Tensor::empty({float_count(want)});
      reorder(plain, w.data, want, copy.data());
      return {copy, copy.data()};
    }
    std::lock_guard lock(mutex_);
    ++clock_;
    Slot* slot = nullptr;
    for (Slot& s : slots_)
      if (s.id == w.id) slot = &s;
    if (!slot) {
      if (slots_.size() < kSlots) {
        slot = &slots_.emplace_back();
      } else {
        slot = &*std::min_element(slots_.begin(), slots_.end(),
                                  [](const Slot& a, const Slot& b) { return a.used < b.used; });
      }
      slot->id = w.id;
      slot->buffer = Tensor();
    }
    if (!slot->buffer.defined() || slot->version != w.version) {
      if (!slot->buffer.defined()) slot->buffer = Tensor::empty({float_count(want)});
      reorder(plain, w.data, want, slot->buffer.data());
      slot->version = w.version;
    }
    slot->used = clock_;
    return {slot->buffer, slot->buffer.data()};
  }

 private:
  struct Slot {
    uint64_t id = 0, version = 0, used = 0;
    Tensor buffer;
  };
  static constexpr size_t kSlots = 32;
  std::mutex mutex_;
  std::vector<Slot> slots_;
  uint64_t clock_ = 0;
};

struct Forward : CachedPrimitive {
  convolution_forward::primitive_desc pd;
  convolution_forward prim;
  WeightCache weights;
};

struct BackwardData : CachedPrimitive {
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data prim;
  WeightCache weights;
};

struct BackwardWeights : CachedPrimitive {
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
};

}  // namespace

void conv2d_forward(const ConvGeometry& g, const void* src, WeightRef weight, const float* bias, float* dst,
                    bool training) {
  auto f = cached<Forward>((training ? "conv_fwd_t:" : "conv_fwd_i:") + g.key(), [&] {
    auto c = std::make_shared<Forward>();
    c->pd = forward_pd(g, training);
    c->prim = convolution_forward(c->pd);
    return c;
  });
  Descs d = descs(g);
  const Weights w = f->weights.get(d.wei, f->pd.weights_desc(), weight);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(d.src_in, src)},
                                       {DNNL_ARG_WEIGHTS, wrap(f->pd.weights_desc(), w.ptr)},
                                       {DNNL_ARG_DST, wrap(d.dst, dst)}};
  if (g.bias) args.emplace(DNNL_ARG_BIAS, wrap(d.bias, bias));
  run(f->prim, f->pd.scratchpad_desc(), std::move(args));
}

void conv2d_backward_data(const ConvGeometry& g, const void* diff_dst, WeightRef weight, float* diff_src) {
  auto b = cached<BackwardData>("conv_bwd_d:" + g.key(), [&] {
    Descs d = descs(g);
    auto c = std::make_shared<BackwardData>();
    auto hint = forward_pd(g, true);
    auto desc = convolution_backward_data::desc(algorithm::convolution_direct, d.src, d.wei_any, d.dst_in, d.strides,
                                                d.dilates, d.pads, d.pads);
    c->pd = convolution_backward_data::primitive_desc(desc, user_scratchpad(), engine(), hint);
    c->prim = convolution_backward_data(c->pd);
    return c;
  });
  Descs d = descs(g);
  const Weights w = b->weights.get(d.wei, b->pd.weights_desc(), weight);
  run(b->prim, b->pd.scratchpad_desc(),
      {{DNNL_ARG_DIFF_DST, wrap(d.dst_in, diff_dst)},
       {DNNL_ARG_WEIGHTS, wrap(b->pd.weights_desc(), w.ptr)},
       {DNNL_ARG_DIFF_SRC, wrap(d.src, diff_src)}});
}

void conv2d_backward_weights(const ConvGeometry& g, const void* src, const void* diff_dst, float* diff_weight,
                             float* diff_bias) {
  auto b = cached<BackwardWeights>("conv_bwd_w:" + g.key(), [&] {
    Descs d = descs(g);
    auto c = std::make_shared<BackwardWeights>();
    auto hint = forward_pd(g, true);
    auto desc = g.bias ? convolution_backward_weights::desc(algorithm::convolution_direct, d.src_in, d.dwei_any, d.bias,
                                                            d.dst_in, d.strides, d.dilates, d.pads, d.pads)
                       : convolution_backward_weights::desc(algorithm::convolution_direct, d.src_in, d.dwei_any,
                                                            d.dst_in, d.strides, d.dilates, d.pads, d.pads);
    c->pd = convolution_backward_weights::primitive_desc(desc, user_scratchpad(), engine(), hint);
    c->prim = convolution_backward_weights(c->pd);
    return c;
  });
  Descs d = descs(g);
  bool direct = b->pd.diff_weights_desc() == d.wei;
  Tensor buf = direct ? Tensor() : Tensor::empty({float_count(b->pd.diff_weights_desc())});
  float* out = direct ? diff_weight : buf.data();
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(d.src_in, src)},
                                       {DNNL_ARG_DIFF_DST, wrap(d.dst_in, diff_dst)},
                                       {DNNL_ARG_DIFF_WEIGHTS, wrap(b->pd.diff_weights_desc(), out)}};
  if (g.bias) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(d.bias, diff_bias));
  run(b->prim, b->pd.scratchpad_desc(), std::move(args));
  if (!direct) reorder(b->pd.diff_weights_desc(), out, d.wei, diff_weight);
}

}  // namespace nnlab::cpu
