#include <unistd.h>

#include <cstdlib>

#include "nnlab/backend.h"

namespace nnlab {

void ensure_thread_environment(char** argv) {
  if (std::getenv("NNLAB_THREAD_ENV") || std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  ::setenv("NNLAB_THREAD_ENV", "1", 1);  // marks the re-executed process: never loop
  ::setenv("GOMP_SPINCOUNT", "300", 1);  // why 300: backend.h
  ::execv("/proc/self/exe", argv);
  // execv returned: the program runs on with the default policy, correct but slower under load.
}

}  // namespace nnlab
