// CPU used by other processes: the busy time of the whole machine from /proc/stat (steal
// included) minus this process's own CPU time, the measure of shared/reference/loadmon.py.
// Benchmarks flag and repeat timings it disturbed; start-up picks the OpenMP workers' spin
// from it (backend.h).
#pragma once

namespace nnlab {

class OtherLoad {
 public:
  OtherLoad();                // starts measuring
  double cores() const;       // mean cores other processes used since construction
 private:
  double busy_, own_, start_;
};

}  // namespace nnlab
