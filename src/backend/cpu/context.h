// The oneDNN engine and stream (the backend context: the one piece of global state nnlab
// keeps besides explicitly seeded RNGs) and the per-shape primitive cache.
#pragma once

#include <dnnl.hpp>
#include <functional>
#include <memory>
#include <string>

namespace nnlab::cpu {

dnnl::engine& engine();
dnnl::stream& stream();

// A memory object over caller-owned data.
inline dnnl::memory wrap(const dnnl::memory::desc& md, const float* data) {
  return dnnl::memory(md, engine(), const_cast<float*>(data));
}

// Primitives are created once per distinct key (op, shapes, parameters) and reused: creating
// one JIT-compiles a kernel, which costs far more than running it on a small batch.
struct CachedPrimitive {
  virtual ~CachedPrimitive() = default;
};
std::shared_ptr<CachedPrimitive> cached_primitive(const std::string& key,
                                                  const std::function<std::shared_ptr<CachedPrimitive>()>& make);

template <class T, class Make>
std::shared_ptr<T> cached(const std::string& key, Make&& make) {
  return std::static_pointer_cast<T>(cached_primitive(key, [&]() -> std::shared_ptr<CachedPrimitive> { return make(); }));
}

}  // namespace nnlab::cpu
