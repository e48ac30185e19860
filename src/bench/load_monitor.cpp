#include "bench/load_monitor.h"

#include <chrono>
#include <thread>

namespace nnlab::bench {

double wait_idle(double max_wait, double threshold, double sample) {
  const auto t0 = std::chrono::steady_clock::now();
  auto waited = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  while (true) {
    OtherLoad load;
    std::this_thread::sleep_for(std::chrono::duration<double>(sample));
    if (load.cores() < threshold || waited() > max_wait) return waited();
  }
}

}  // namespace nnlab::bench
