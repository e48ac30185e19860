// Throughput benchmark of the model zoo on synthetic data, by the method of the PyTorch
// reference (shared/reference/torch_bench.py): a training step is forward, cross-entropy,
// backward and an SGD step (lr 0.01, momentum 0.9); inference is an eval-mode forward
// without gradients. Warm-up (at least 2 steps and 0.5 s) is excluded and the figure is the
// median over timed windows. Results carry the reference's JSON fields, so one script
// compares both.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab::bench {

struct BenchConfig {
  std::string model;
  Shape shape;  // C, H, W of one image
  int64_t batch = 64;
};

struct BenchOptions {
  double seconds = 4.0;       // timed seconds per measurement (train and infer each)
  bool train = true;          // measure training
  bool infer = true;          // measure inference
  double wait_idle = 120.0;   // max seconds to wait for other processes to go idle
  int retries = 2;            // re-measure a config while other processes used > 0.1 cores
  bool bf16 = false;          // train and infer with bfloat16 convolutions and matmuls
};

// One timed measurement: the median of the window rates (images/s), and of each step's own
// time (at batch 1, a prediction's latency).
struct Timing {
  double img_s = 0;
  std::vector<double> rates;
  double step_ms_median = 0, step_ms_p99 = 0;
  int64_t steps = 0;
  double other_cores = 0;  // mean cores used by other processes during the windows
};

struct BenchResult {
  BenchConfig config;
  int64_t fwd_flops = 0;  // per image, 2 x multiply-adds of conv and fc layers
  Timing train, infer;
  bool has_infer = false;
  double final_loss = 0;
  double peak_rss_mb = 0;  // peak resident memory of this process while running this config
  double waited_s = 0;
  int attempts = 1;
};

// The reference's default grid: every model at batches 64 and 128 (and 256 for logreg, mlp
// and lenet5), on each shape, where 1x28x28 runs only for lenet5 and mlp. An empty
// `batches` means those defaults.
std::vector<BenchConfig> default_configs(const std::vector<std::string>& models, const std::vector<int64_t>& batches,
                                         const std::vector<Shape>& shapes);

// Median images/s of `step` (which processes `batch` images) over timed windows after warm-up,
// and the median and 99th percentile (nearest rank) of the steps' durations.
Timing time_steps(const std::function<void()>& step, int64_t batch, double seconds, int windows = 5);

// Measures one config (waiting for an idle machine and re-measuring a disturbed one as
// the options say).
BenchResult run_config(const BenchConfig& config, const BenchOptions& options);

}  // namespace nnlab::bench
