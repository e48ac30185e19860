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

// Runs oneDNN primitives executed in its scope on at most `threads` threads (oneDNN's OpenMP
// runtime reads the calling thread's OpenMP thread count at execution). For small work:
// a parallel region costs a wake-up of each worker, and on a shared machine a worker
// waiting for a core can hold the region for a scheduler time slice (a 2304-float weight
// reorder took 0.7 ms on 2 threads with other processes using 1.3 cores; DNNL_VERBOSE).
class ThreadLimit {
 public:
  explicit ThreadLimit(int threads);
  ~ThreadLimit();
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  int previous_;
};

// A memory object over caller-owned data.
inline dnnl::memory wrap(const dnnl::memory::desc& md, const void* data) {
  return dnnl::memory(md, engine(), const_cast<void*>(data));
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
