#include "nnlab/dist/link_probe.h"

#include <algorithm>
#include <chrono>

#include "nnlab/dist/gradient_reducer.h"
#include "nnlab/error.h"

namespace nnlab::dist {

namespace {

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

}  // namespace

std::vector<LinkSample> probe_link(const ReplicaGroup& group, const std::vector<int64_t>& sizes_bytes, int repeats) {
  if (repeats < 1) throw ConfigError("probe_link: `repeats` must be at least 1");
  std::vector<LinkSample> out;
  const double n = static_cast<double>(group.size());
  for (int64_t bytes : sizes_bytes) {
    if (bytes < 4) throw ConfigError("probe_link: sizes start at 4 bytes (one float)");
    // One parameter whose gradient is set by hand: finish() finds it did not arrive during a
    // backward and sends its buffer, the path of a real step's last bucket.
    Tensor p = Tensor::zeros({bytes / 4});
    p.set_grad(Tensor::ones({bytes / 4}));
    GradientReducer reducer(group, {p});
    std::vector<double> times;
    for (int r = 0; r < repeats + 2; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      reducer.begin(0.0f);
      reducer.finish();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (r >= 2) times.push_back(s);
    }
    LinkSample sample;
    sample.bytes = bytes;
    sample.median_seconds = quantile(times, 0.5);
    sample.p90_seconds = quantile(times, 0.9);
    sample.bus_bytes_per_second =
        group.size() > 1 ? 2.0 * (n - 1) / n * static_cast<double>(bytes) / sample.median_seconds : 0.0;
    out.push_back(sample);
  }
  return out;
}

LinkModel fit_link(const std::vector<LinkSample>& samples, int64_t ranks) {
  // time = latency + (2(N-1)/N x bytes) / bandwidth. A least-squares line over sizes from
  // 4 KB to 64 MB is all large sizes' (and a cache-missing 64 MB can sink it): the bandwidth
  // is the best the stack reached, the latency what the smallest message took beyond its
  // transfer at that bandwidth.
  LinkModel model;
  if (samples.empty()) return model;
  const double f = ranks > 1 ? 2.0 * static_cast<double>(ranks - 1) / static_cast<double>(ranks) : 1.0;
  const LinkSample* smallest = &samples[0];
  for (const LinkSample& s : samples) {
    model.bus_bytes_per_second = std::max(model.bus_bytes_per_second, s.bus_bytes_per_second);
    if (s.bytes < smallest->bytes) smallest = &s;
  }
  if (model.bus_bytes_per_second > 0)
    model.latency_seconds = std::max(
        0.0, smallest->median_seconds - f * static_cast<double>(smallest->bytes) / model.bus_bytes_per_second);
  return model;
}

}  // namespace nnlab::dist
