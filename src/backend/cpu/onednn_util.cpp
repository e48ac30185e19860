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
    dnnl::reorder prim;
  };
  auto cached_reorder = cached<Cached>("reorder:" + bytes_of(from) + bytes_of(to), [&] {
    auto c = std::make_shared<Cached>();
    c->prim = dnnl::reorder(dnnl::reorder::primitive_desc(engine(), from, engine(), to));
    return c;
  });
  dnnl::memory s = wrap(from, src), d = wrap(to, dst);
  // Copies below 256 KiB take a few microseconds on one core: not worth waking another.
  ThreadLimit limit(float_count(from) < (1 << 16) ? 1 : omp_get_max_threads());
  cached_reorder->prim.execute(stream(), s, d);
}

Staged stage_input(const dnnl::memory::desc& plain, const float* data, const dnnl::memory::desc& md) {
  if (plain == md) return {Tensor(), data};
  Tensor buf = Tensor::empty({float_count(md)});
  reorder(plain, data, md, buf.data());
  return {buf, buf.data()};
}

std::string dims_key(const dnnl::memory::dims& dims) { return fmt::format("{}", fmt::join(dims, "x")); }

}  // namespace nnlab::cpu
