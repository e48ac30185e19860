#include "backend/cpu/onednn_util.h"

#include <fmt/format.h>

#include <omp.h>

#include <mutex>
#include <unordered_map>

#include "backend/cpu/context.h"

namespace nnlab::cpu {

dnnl::memory::desc plain_md(const dnnl::memory::dims& dims) {
  static const tag tags[] = {tag::undef, tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde};
  return dnnl::memory::desc(dims, dt::f32, tags[dims.size()]);
}

int64_t float_count(const dnnl::memory::desc& md) {
  return static_cast<int64_t>((md.get_size() + sizeof(float) - 1) / sizeof(float));
}

namespace {

std::string bytes_of(const dnnl::memory::desc& md) {
  return std::string(reinterpret_cast<const char*>(&md.data), sizeof(md.data));
}

}  // namespace

void reorder(const dnnl::memory::desc& from, const float* src, const dnnl::memory::desc& to, float* dst) {
  if (from == to) {
    if (src != dst) std::copy(src, src + float_count(from), dst);
    return;
  }
  // Descriptors are plain structs in oneDNN 2.x: their bytes are a faithful cache key.
  struct Cached : CachedPrimitive {
    dnnl::reorder::primitive_desc pd;
    dnnl::reorder prim;
  };
  auto cached_reorder = cached<Cached>(fmt::format("reorder:t{}:", omp_get_max_threads()) + bytes_of(from) + bytes_of(to), [&] {
    auto c = std::make_shared<Cached>();
    // Our scratchpad per call, as for convolutions (onednn_conv.cpp): reorders run
    // concurrently on the threads of a batch split.
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    c->pd = dnnl::reorder::primitive_desc(engine(), from, engine(), to, attr);
    c->prim = dnnl::reorder(c->pd);
    return c;
  });
  // Copies below 256 KiB take a few microseconds on one core: not worth waking another.
  ThreadLimit limit(float_count(from) < (1 << 16) ? 1 : omp_get_max_threads());
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_FROM, wrap(from, src)}, {DNNL_ARG_TO, wrap(to, dst)}};
  Tensor scratch;
  const auto sd = cached_reorder->pd.scratchpad_desc();
  if (sd.get_size() > 0) {
    scratch = Tensor::empty({float_count(sd)});
    args.emplace(DNNL_ARG_SCRATCHPAD, wrap(sd, scratch.data()));
  }
  cached_reorder->prim.execute(stream(), args);
}

Staged stage_input(const dnnl::memory::desc& plain, const float* data, const dnnl::memory::desc& md) {
  if (plain == md) return {Tensor(), data};
  Tensor buf = Tensor::empty({float_count(md)});
  reorder(plain, data, md, buf.data());
  return {buf, buf.data()};
}

std::string dims_key(const dnnl::memory::dims& dims) { return fmt::format("{}", fmt::join(dims, "x")); }

}  // namespace nnlab::cpu
