#include "backend/cpu/onednn_conv.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "backend/cpu/context.h"
#include "backend/cpu/onednn_util.h"
#include "backend/cpu/scratch.h"
#include "nnlab/conv_algorithm.h"

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
  memory::desc act_src, act_dst;     // activations as the primitive takes them
  memory::dims strides, dilates, pads;
  algorithm alg = algorithm::convolution_direct;
};

// The weights are transformed on every call (kept transformed they would be 4x their size
// for every layer), which only many output tiles pay for: below 64 4x4 tiles per call (batch
// 64 of 4x4 images, batch 1 of 32x32) a single image's inference ran 2-3x slower than direct.
constexpr int64_t kWinogradMinTiles = 64;

// Where Winograd F(4x4, 3x3) is asked for (nnlab/conv_algorithm.h says why these bounds).
// oneDNN's kernels for it take channel-blocked activations (nChw16c) only, so such a layer
// reorders its input and output around the call (counted in the measured speedups).
bool winograd_fits(const ConvGeometry& g) {
  // oneDNN has Winograd kernels for AVX-512 alone (and reads ONEDNN_MAX_CPU_ISA once).
  static const bool avx512 =
      static_cast<int>(dnnl::get_effective_cpu_isa()) >= static_cast<int>(dnnl::cpu_isa::avx512_core);
  return avx512 && conv_algorithm() == ConvAlgorithm::Auto && !g.bf16 && g.kh == 3 && g.kw == 3 && g.stride == 1 &&
         g.padding == 1 && g.dilation == 1 && g.c % 16 == 0 && g.o % 16 == 0 && std::min(g.c, g.o) >= 32 &&
         g.oh >= 4 && g.ow >= 4 && g.n * g.oh * g.ow >= kWinogradMinTiles * 16;
}

Descs descs(const ConvGeometry& g, bool winograd = false) {
  Descs d;
  const auto in = g.bf16 ? dt::bf16 : dt::f32;
  d.src = memory::desc({g.n, g.c, g.h, g.w}, dt::f32, tag::nhwc);
  d.dst = memory::desc({g.n, g.o, g.oh, g.ow}, dt::f32, tag::nhwc);
  d.src_in = memory::desc({g.n, g.c, g.h, g.w}, in, tag::nhwc);
  d.dst_in = memory::desc({g.n, g.o, g.oh, g.ow}, in, tag::nhwc);
  d.act_src = winograd ? memory::desc({g.n, g.c, g.h, g.w}, dt::f32, tag::nChw16c) : d.src_in;
  d.act_dst = winograd ? memory::desc({g.n, g.o, g.oh, g.ow}, dt::f32, tag::nChw16c) : d.dst;
  if (winograd) d.alg = algorithm::convolution_winograd;
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

// Runs a primitive with its scratchpad in this thread's scratch buffer.
void run(const primitive& prim, const memory::desc& scratchpad, std::unordered_map<int, memory> args) {
  Scratch buf;
  if (scratchpad.get_size() > 0) {
    buf = Scratch(static_cast<size_t>(float_count(scratchpad)));
    args.emplace(DNNL_ARG_SCRATCHPAD, wrap(scratchpad, buf.data()));
  }
  prim.execute(stream(), args);
}

// The caller's NHWC activations as the primitive takes them: the data itself, or a blocked
// copy held in `hold` (copied in when `copy_in`).
void* staged(const memory::desc& user, const void* data, const memory::desc& taken, Scratch& hold, bool copy_in) {
  if (user == taken) return const_cast<void*>(data);
  hold = Scratch(static_cast<size_t>(float_count(taken)));
  if (copy_in) reorder(user, static_cast<const float*>(data), taken, hold.data());
  return hold.data();
}

// A pass whose Winograd memory (its scratchpad and the blocked copies of input and output)
// would pass this runs direct: that memory comes on top of the step's peak. The weights
// transformed into 6x6 tiles dominate it in wide layers (backward-weights of a 512-channel
// 4x4 layer: 131 MB at batch 64), the copies in large images (64 channels over 32x32 at
// batch 128: 67 MB).
constexpr size_t kWinogradBytes = size_t{64} << 20;

// Creates a primitive descriptor with Winograd where it fits and this oneDNN has a kernel
// for it (AVX-512), and the direct algorithm otherwise; `make` builds it from the descs.
template <class Make>
auto winograd_or_direct(const ConvGeometry& g, Make&& make) {
  if (winograd_fits(g)) {
    try {
      const Descs d = descs(g, true);
      auto pd = make(d);
      if (pd.scratchpad_desc().get_size() + d.act_src.get_size() + d.act_dst.get_size() <= kWinogradBytes) return pd;
    } catch (const dnnl::error&) {
      // No kernel at this ISA (or for this combination of post-ops): direct it is.
    }
  }
  return make(descs(g));
}

// Winograd's forward is always built for training: the inference kind would keep weights
// transformed to 6x6 tiles, 4x their size, resident for every layer (vgg16: 235 MB).
convolution_forward::primitive_desc forward_pd(const Descs& d, const ConvGeometry& g, bool training) {
  const bool winograd = d.alg == algorithm::convolution_winograd;
  auto kind = training || winograd ? prop_kind::forward_training : prop_kind::forward_inference;
  auto desc = g.bias ? convolution_forward::desc(kind, d.alg, d.act_src, d.wei_any, d.bias, d.act_dst, d.strides,
                                                 d.dilates, d.pads, d.pads)
                     : convolution_forward::desc(kind, d.alg, d.act_src, d.wei_any, d.act_dst, d.strides, d.dilates,
                                                 d.pads, d.pads);
  primitive_attr attr = user_scratchpad();
  if (g.sum || g.relu) {
    post_ops ops;
    if (g.sum) ops.append_sum(1.0f);
    if (g.relu) ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  return convolution_forward::primitive_desc(desc, attr, engine());
}

// The weights in a primitive's layout. Inference keeps a reordered copy per layer, made
// again only when the weights change. Training changes them every step, so a kept copy
// saved nothing there and held memory: vgg16's two layouts (forward, backward-data) were
// 118 MB of its 706 MB peak at batch 64. A training call (and uncached weights, id 0)
// reorders into scratch memory held by the caller for the call.
struct Weights {
  Tensor hold;
  const float* ptr;
  Scratch scratch;
};

// One reordered copy per weight identity: layers of the same geometry share a primitive
// (resnet20 has six 16-channel 3x3 layers), and a single slot made each of them reorder its
// weights again on every call. A few dozen slots cover every zoo model; the least recently
// used goes first, so weights that are gone (a refolded batch norm) do not pile up.
class WeightCache {
 public:
  Weights get(const memory::desc& plain, const memory::desc& want, WeightRef w, bool keep) {
    if (plain == want) return {Tensor(), w.data, Scratch()};
    if (!keep || w.id == 0) {
      Weights out{Tensor(), nullptr, Scratch(static_cast<size_t>(float_count(want)))};
      reorder(plain, w.data, want, out.scratch.data());
      out.ptr = out.scratch.data();
      return out;
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
    return {slot->buffer, slot->buffer.data(), Scratch()};
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

// Each keeps the plain descriptors of its geometry (descs(g)), made once: remade per call
// they were a sixth of a small convolution's 4.4 us outside the kernel (batch 1, 16 channels
// of 2x2, one thread).
struct Forward : CachedPrimitive {
  Descs plain;
  convolution_forward::primitive_desc pd;
  convolution_forward prim;
  WeightCache weights;
  bool winograd = false;  // what winograd_or_direct gave, read by every batch split's call
};

struct BackwardData : CachedPrimitive {
  Descs plain;
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data prim;
  WeightCache weights;
};

struct BackwardWeights : CachedPrimitive {
  Descs plain;
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
};

}  // namespace

// Primitives are cached under the algorithm asked for ('w' Winograd, 'd' direct), so that a
// change of conv_algorithm() takes effect at the next call.
static std::string key_of(const char* kind, const ConvGeometry& g) {
  return std::string(kind) + (winograd_fits(g) ? "w:" : "d:") + g.key();
}

static std::shared_ptr<Forward> forward_primitive(const ConvGeometry& g, bool training) {
  return cached<Forward>(key_of(training ? "conv_fwd_t:" : "conv_fwd_i:", g), [&] {
    auto c = std::make_shared<Forward>();
    c->plain = descs(g);
    c->pd = winograd_or_direct(g, [&](const Descs& d) { return forward_pd(d, g, training); });
    c->prim = convolution_forward(c->pd);
    c->winograd = std::string(c->pd.impl_info_str()).find("wino") != std::string::npos;
    return c;
  });
}

bool conv2d_forward_is_winograd(const ConvGeometry& g, bool training) {
  return winograd_fits(g) && forward_primitive(g, training)->winograd;
}

void conv2d_forward(const ConvGeometry& g, const void* src, WeightRef weight, const float* bias, float* dst,
                    bool training) {
  auto f = forward_primitive(g, training);
  const Descs& d = f->plain;
  const Weights w = f->weights.get(d.wei, f->pd.weights_desc(), weight, !training);
  const memory::desc& taken_dst = f->pd.dst_desc();
  Scratch blocked_src, blocked_dst;
  // A sum post-op reads the residual from dst: a blocked output starts as its copy.
  void* out = staged(d.dst, dst, taken_dst, blocked_dst, g.sum);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(f->pd.src_desc(), staged(d.src_in, src, f->pd.src_desc(), blocked_src, true))},
      {DNNL_ARG_WEIGHTS, wrap(f->pd.weights_desc(), w.ptr)},
      {DNNL_ARG_DST, wrap(taken_dst, out)}};
  if (g.bias) args.emplace(DNNL_ARG_BIAS, wrap(d.bias, bias));
  run(f->prim, f->pd.scratchpad_desc(), std::move(args));
  if (out != dst) reorder(taken_dst, static_cast<float*>(out), d.dst, dst);
}

void conv2d_backward_data(const ConvGeometry& g, const void* diff_dst, WeightRef weight, float* diff_src) {
  auto b = cached<BackwardData>(key_of("conv_bwd_d:", g), [&] {
    auto c = std::make_shared<BackwardData>();
    c->plain = descs(g);
    c->pd = winograd_or_direct(g, [&](const Descs& d) {
      auto hint = forward_pd(d, g, true);
      const memory::desc diff_src_md = d.alg == algorithm::convolution_winograd ? d.act_src : d.src;
      auto desc = convolution_backward_data::desc(d.alg, diff_src_md, d.wei_any, d.act_dst == d.dst ? d.dst_in : d.act_dst,
                                                  d.strides, d.dilates, d.pads, d.pads);
      return convolution_backward_data::primitive_desc(desc, user_scratchpad(), engine(), hint);
    });
    c->prim = convolution_backward_data(c->pd);
    return c;
  });
  const Descs& d = b->plain;
  const Weights w = b->weights.get(d.wei, b->pd.weights_desc(), weight, false);
  const memory::desc& taken_dx = b->pd.diff_src_desc();
  Scratch blocked_dx, blocked_dy;
  void* dx = staged(d.src, diff_src, taken_dx, blocked_dx, false);
  run(b->prim, b->pd.scratchpad_desc(),
      {{DNNL_ARG_DIFF_DST, wrap(b->pd.diff_dst_desc(), staged(d.dst_in, diff_dst, b->pd.diff_dst_desc(), blocked_dy, true))},
       {DNNL_ARG_WEIGHTS, wrap(b->pd.weights_desc(), w.ptr)},
       {DNNL_ARG_DIFF_SRC, wrap(taken_dx, dx)}});
  if (dx != diff_src) reorder(taken_dx, static_cast<float*>(dx), d.src, diff_src);
}

void conv2d_backward_weights(const ConvGeometry& g, const void* src, const void* diff_dst, float* diff_weight,
                             float* diff_bias) {
  auto b = cached<BackwardWeights>(key_of("conv_bwd_w:", g), [&] {
    auto c = std::make_shared<BackwardWeights>();
    c->plain = descs(g);
    c->pd = winograd_or_direct(g, [&](const Descs& d) {
      auto hint = forward_pd(d, g, true);
      const memory::desc& dy = d.act_dst == d.dst ? d.dst_in : d.act_dst;
      auto desc = g.bias ? convolution_backward_weights::desc(d.alg, d.act_src, d.dwei_any, d.bias, dy, d.strides,
                                                              d.dilates, d.pads, d.pads)
                         : convolution_backward_weights::desc(d.alg, d.act_src, d.dwei_any, dy, d.strides, d.dilates,
                                                              d.pads, d.pads);
      return convolution_backward_weights::primitive_desc(desc, user_scratchpad(), engine(), hint);
    });
    c->prim = convolution_backward_weights(c->pd);
    return c;
  });
  const Descs& d = b->plain;
  bool direct = b->pd.diff_weights_desc() == d.wei;
  Scratch buf = direct ? Scratch() : Scratch(static_cast<size_t>(float_count(b->pd.diff_weights_desc())));
  float* out = direct ? diff_weight : buf.data();
  Scratch blocked_src, blocked_dy;
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(b->pd.src_desc(), staged(d.src_in, src, b->pd.src_desc(), blocked_src, true))},
      {DNNL_ARG_DIFF_DST, wrap(b->pd.diff_dst_desc(), staged(d.dst_in, diff_dst, b->pd.diff_dst_desc(), blocked_dy, true))},
      {DNNL_ARG_DIFF_WEIGHTS, wrap(b->pd.diff_weights_desc(), out)}};
  if (g.bias) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(d.bias, diff_bias));
  run(b->prim, b->pd.scratchpad_desc(), std::move(args));
  if (!direct) reorder(b->pd.diff_weights_desc(), out, d.wei, diff_weight);
}

}  // namespace nnlab::cpu
