// nnlab info: the build and the backend it runs on.
#include <fmt/core.h>

#include "command.h"
#include "nnlab/backend.h"
#include "nnlab/version.h"

namespace {

NNLAB_COMMAND("info", "Show the version and the compute backend", [](CLI::App& verb) {
  auto threads = std::make_shared<int>(0);
  nnlab::cli::add_threads_flag(verb, *threads);
  return [threads] {
    nnlab::cli::apply_threads(*threads);
    fmt::print("nnlab {}\n{}\n", nnlab::version(), nnlab::backend_description());
    // Both levels, as capped by ONEDNN_MAX_CPU_ISA and NNLAB_MAX_ISA.
    fmt::print("nnlab kernels: {} (this CPU: {})\n", nnlab::kernel_isa(), nnlab::cpu_kernel_isa());
    return 0;
  };
});

}  // namespace
