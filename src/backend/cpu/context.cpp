#include "backend/cpu/context.h"

#include <fmt/format.h>
#include <omp.h>

#include <mutex>
#include <unordered_map>

#include "backend/cpu/isa.h"
#include "nnlab/backend.h"

namespace nnlab {

namespace cpu {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  static thread_local dnnl::stream s(engine());
  return s;
}

ThreadLimit::ThreadLimit(int threads) : previous_(omp_get_max_threads()) {
  if (threads < previous_) omp_set_num_threads(threads);
}

ThreadLimit::~ThreadLimit() { omp_set_num_threads(previous_); }

std::shared_ptr<CachedPrimitive> cached_primitive(const std::string& key,
                                                  const std::function<std::shared_ptr<CachedPrimitive>()>& make) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<CachedPrimitive>> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto p = make();
  cache.emplace(key, p);
  return p;
}

}  // namespace cpu

void set_num_threads(int threads) { omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs()); }

int num_threads() { return omp_get_max_threads(); }

std::string backend_description() {
  const dnnl_version_t* v = dnnl_version();
  const char* isa = "";
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_amx: isa = "AVX-512 with AMX"; break;
    case dnnl::cpu_isa::avx512_core_bf16: isa = "AVX-512 with bfloat16"; break;
    case dnnl::cpu_isa::avx512_core_vnni: isa = "AVX-512 with VNNI"; break;
    case dnnl::cpu_isa::avx512_core: isa = "AVX-512"; break;
    case dnnl::cpu_isa::avx2: isa = "AVX2"; break;
    default: isa = "generic x86-64"; break;
  }
  return fmt::format("oneDNN {}.{}.{} (cpu, {}), {} threads", v->major, v->minor, v->patch, isa, num_threads());
}

std::string kernel_isa() { return cpu::isa_name(cpu::active_isa()); }

std::string cpu_kernel_isa() { return cpu::isa_name(cpu::detected_isa()); }

}  // namespace nnlab
