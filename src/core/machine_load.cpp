#include "nnlab/machine_load.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace nnlab {

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Non-idle CPU seconds of the whole machine: user, nice, system, irq, softirq and steal.
double machine_busy() {
  static const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (!f) return 0;
  unsigned long long v[8] = {};
  const int got = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                              &v[5], &v[6], &v[7]);
  std::fclose(f);
  if (got != 8) return 0;
  return static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
}

double own_cpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

OtherLoad::OtherLoad() : busy_(machine_busy()), own_(own_cpu()), start_(now()) {}

double OtherLoad::cores() const {
  const double wall = now() - start_;
  if (wall <= 0) return 0;
  return std::max(0.0, (machine_busy() - busy_ - (own_cpu() - own_)) / wall);
}

}  // namespace nnlab
