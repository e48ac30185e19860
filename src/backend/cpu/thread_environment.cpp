#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "nnlab/backend.h"
#include "nnlab/machine_load.h"

namespace nnlab {

void ensure_thread_environment(char** argv) {
  if (std::getenv("NNLAB_THREAD_ENV") || std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  ::setenv("NNLAB_THREAD_ENV", "1", 1);  // marks the re-executed process: never loop
  // Why these counts, and why from a look at the machine at start: backend.h.
  const OtherLoad load;
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  ::setenv("GOMP_SPINCOUNT", load.cores() < 0.5 ? "10000" : "300", 1);
  ::execv("/proc/self/exe", argv);
  // execv returned: the program runs on with the default policy, correct but slower under load.
}

}  // namespace nnlab
