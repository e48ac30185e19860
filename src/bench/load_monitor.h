// CPU used by other processes, so that timings on a shared machine can be flagged and
// repeated: the same measure as shared/reference/loadmon.py (busy time of the whole
// machine from /proc/stat, steal included, minus this process's own CPU time).
#pragma once

namespace nnlab::bench {

class OtherLoad {
 public:
  OtherLoad();                // starts measuring
  double cores() const;       // mean cores other processes used since construction
 private:
  double busy_, own_, start_;
};

// Waits until other processes use fewer than `threshold` cores over `sample` seconds, or
// until `max_wait` seconds passed. Returns the seconds waited.
double wait_idle(double max_wait, double threshold = 0.1, double sample = 1.0);

}  // namespace nnlab::bench
