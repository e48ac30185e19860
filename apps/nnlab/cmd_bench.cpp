// nnlab bench: training and inference throughput of the zoo on synthetic data, printed as a
// table and optionally written as JSON in the schema of the PyTorch reference
// (shared/reference/torch_bench.py), so that scripts/compare-bench reads both.
#include <fmt/chrono.h>
#include <fmt/core.h>
#include <sys/utsname.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "checks.h"
#include "command.h"
#include "nnlab/backend.h"
#include "nnlab/bench.h"
#include "nnlab/dist/link_probe.h"
#include "nnlab/dist/replica_group.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/memory_budget.h"
#include "nnlab/precision.h"
#include "nnlab/version.h"
#include "parse.h"

namespace {

using namespace nnlab;

struct Options {
  std::string models = "logreg,mlp,lenet5,alexnet,vgg11,vgg16,resnet20,resnet18";
  std::string batch;
  std::string shapes = "3x32x32,1x28x28";
  int threads = 0;
  double seconds = 4.0;
  bool no_infer = false;
  bool infer_only = false;
  double wait_idle = 120.0;
  int retries = 2;
  bool bf16 = false;
  bool allreduce = false;
  std::string json;
};

std::string shape_text(const Shape& s) { return fmt::format("{}", fmt::join(s, "x")); }

nlohmann::json to_json(const bench::BenchResult& r) {
  nlohmann::json j{{"model", r.config.model},
                   {"shape", shape_text(r.config.shape)},
                   {"batch", r.config.batch},
                   {"fwd_flops", r.fwd_flops},
                   {"other_cores", std::max(r.train.other_cores, r.infer.other_cores)},
                   {"peak_rss_mb", r.peak_rss_mb},
                   {"waited_s", r.waited_s},
                   {"attempts", r.attempts}};
  if (r.train.steps > 0) {
    j["train_img_s"] = r.train.img_s;
    j["train_gflop_s"] = 3.0 * static_cast<double>(r.fwd_flops) * r.train.img_s / 1e9;
    j["train_rates"] = r.train.rates;
    j["train_steps"] = r.train.steps;
    j["final_loss"] = r.final_loss;
  }
  if (r.has_infer) {
    j["infer_img_s"] = r.infer.img_s;
    j["infer_gflop_s"] = static_cast<double>(r.fwd_flops) * r.infer.img_s / 1e9;
    j["infer_rates"] = r.infer.rates;
    j["infer_steps"] = r.infer.steps;
    j["infer_ms_median"] = r.infer.step_ms_median;
    j["infer_ms_p99"] = r.infer.step_ms_p99;
  }
  return j;
}

nlohmann::json env_json() {
  nlohmann::json env = nlohmann::json::object();
  for (const char* k : {"OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_PROC_BIND"}) {
    const char* v = std::getenv(k);
    env[k] = v ? nlohmann::json(v) : nlohmann::json(nullptr);
  }
  return env;
}

// Under mpirun: the gradient reducer's time per size, and the latency and bandwidth fitted
// to it (docs/scaling.md's link terms).
int run_allreduce(const Options& o) {
  const dist::ReplicaGroup& group = dist::ReplicaGroup::world();
  if (!group.distributed())
    cli::usage_error("--allreduce measures the link between ranks: run it under mpirun, e.g. `mpirun -np 2 nnlab "
                     "bench --allreduce`");
  std::vector<int64_t> sizes;
  for (int64_t b = 4 << 10; b <= (64 << 20); b *= 4) sizes.push_back(b);
  const auto samples = dist::probe_link(group, sizes, 20);
  const auto fit = dist::fit_link(samples, group.size());
  if (!group.primary()) return 0;
  fmt::print("gradient all-reduce over {} ranks (hosts: rank 0 on {}), median of 20\n", group.size(), group.host());
  fmt::print("{:>12} {:>12} {:>12} {:>14}\n", "bytes", "median ms", "p90 ms", "bus GB/s");
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& s : samples) {
    fmt::print("{:>12} {:>12.3f} {:>12.3f} {:>14.2f}\n", s.bytes, s.median_seconds * 1e3, s.p90_seconds * 1e3,
               s.bus_bytes_per_second / 1e9);
    rows.push_back({{"bytes", s.bytes},
                    {"median_s", s.median_seconds},
                    {"p90_s", s.p90_seconds},
                    {"bus_bytes_per_s", s.bus_bytes_per_second}});
  }
  fmt::print("fit: latency {:.1f} us, bus bandwidth {:.2f} GB/s\n", fit.latency_seconds * 1e6,
             fit.bus_bytes_per_second / 1e9);
  if (!o.json.empty())
    io::write_file_atomic(o.json, nlohmann::json{{"ranks", group.size()},
                                                 {"samples", rows},
                                                 {"latency_s", fit.latency_seconds},
                                                 {"bus_bytes_per_s", fit.bus_bytes_per_second}}
                                          .dump(1) +
                                      "\n");
  return 0;
}

int run(const Options& o) {
  cli::apply_threads(o.threads);
  if (o.allreduce) return run_allreduce(o);
  std::vector<Shape> shapes;
  for (const std::string& s : cli::parse_word_list(o.shapes)) {
    Shape shape = cli::parse_shape("--shapes", s);
    if (shape.size() != 3) cli::usage_error("--shapes '" + o.shapes + "': each shape is C x H x W, e.g. 1x28x28");
    shapes.push_back(shape);
  }
  std::vector<int64_t> batches = o.batch.empty() ? std::vector<int64_t>{} : cli::parse_int_list("--batch", o.batch);
  auto configs = bench::default_configs(cli::parse_word_list(o.models), batches, shapes);
  // The input batch alone, before any model allocates: a batch too large is refused with its size.
  for (const auto& c : configs) {
    uint64_t values = static_cast<uint64_t>(c.batch);
    for (int64_t d : c.shape) values *= static_cast<uint64_t>(d);
    require_memory(values * sizeof(float) * 2, fmt::format("--batch {} of {} images", c.batch, shape_text(c.shape)),
                   "give a smaller --batch");
  }
  bench::BenchOptions bo;
  bo.seconds = o.seconds;
  if (o.no_infer && o.infer_only) cli::usage_error("--no-infer and --infer-only: give one of them");
  bo.infer = !o.no_infer;
  bo.train = !o.infer_only;
  bo.wait_idle = o.wait_idle;
  bo.retries = o.retries;
  bo.bf16 = o.bf16;

  fmt::print("nnlab {}, {}, precision {}, {:g} s per measurement, {} configs\n", version(), backend_description(),
             o.bf16 ? "bf16" : "f32", o.seconds, configs.size());
  const std::string hdr = fmt::format("{:<9} {:<8} {:>5} {:>10} {:>12} {:>14} {:>12} {:>14} {:>8} {:>6}", "model",
                                      "input", "batch", "MFLOP/img", "train img/s", "train GFLOP/s", "infer img/s",
                                      "infer GFLOP/s", "peak MB", "other");
  fmt::print("{}\n{}\n", hdr, std::string(hdr.size(), '-'));
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json results = nlohmann::json::array();
  for (const bench::BenchConfig& c : configs) {
    bench::BenchResult r = bench::run_config(c, bo);
    nlohmann::json j = to_json(r);
    const double mflop = static_cast<double>(r.fwd_flops) / 1e6;
    fmt::print("{:<9} {:<8} {:>5} {:>10.2f} {:>12.1f} {:>14.2f} {:>12.1f} {:>14.2f} {:>8.1f} {:>6.2f}\n", c.model,
               shape_text(c.shape), c.batch, mflop, r.train.img_s, j.value("train_gflop_s", 0.0),
               r.has_infer ? r.infer.img_s : 0.0, r.has_infer ? j["infer_gflop_s"].get<double>() : 0.0,
               r.peak_rss_mb, j["other_cores"].get<double>());
    std::fflush(stdout);
    results.push_back(std::move(j));
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("total {:.0f} s\n", total);
  if (!o.json.empty()) {
    utsname u{};
    uname(&u);
    const std::time_t t = std::time(nullptr);
    nlohmann::json meta{{"nnlab", version()},
                        {"backend", backend_description()},
                        {"threads", num_threads()},
                        {"seconds", o.seconds},
                        {"precision", o.bf16 ? "bf16" : "f32"},
                        {"date", fmt::format("{:%Y-%m-%d %H:%M:%S %Z}", fmt::localtime(t))},
                        {"machine", u.machine},
                        {"env", env_json()},
                        {"total_s", total}};
    io::write_file_atomic(o.json, nlohmann::json{{"meta", meta}, {"results", results}}.dump(1) + "\n");
  }
  return 0;
}

NNLAB_COMMAND("bench", "Measure training and inference throughput of the zoo (synthetic data)", [](CLI::App& verb) {
  auto o = std::make_shared<Options>();
  verb.add_option("--models", o->models, "Comma list of zoo models")->capture_default_str();
  verb.add_option("--batch", o->batch, "Comma list of batch sizes (default 64,128, and 256 for logreg/mlp/lenet5)");
  verb.add_option("--shapes", o->shapes, "Input shapes; 1x28x28 runs only for lenet5 and mlp")->capture_default_str();
  cli::add_threads_flag(verb, o->threads);
  verb.add_option("--seconds", o->seconds, "Timed seconds per measurement")
      ->capture_default_str()
      ->check(nnlab::cli::positive());
  verb.add_flag("--no-infer", o->no_infer, "Measure training only");
  verb.add_flag("--infer-only", o->infer_only,
                "Measure inference only (its JSON also gives each forward's median and p99 time: at --batch 1, a "
                "prediction's latency)");
  verb.add_option("--wait-idle", o->wait_idle, "Max seconds to wait for other processes to go idle before a config")
      ->capture_default_str()
      ->check(nnlab::cli::non_negative());
  verb.add_option("--retries", o->retries, "Re-measure a config disturbed by other load (> 0.1 cores)")
      ->capture_default_str()
      ->check(nnlab::cli::non_negative());
  verb.add_flag("--bf16", o->bf16, "bfloat16 convolutions and matrix products (AVX512-BF16), float32 elsewhere");
  verb.add_flag("--allreduce", o->allreduce,
                "Under mpirun: time the gradient all-reduce from 4 KB to 64 MB and fit its latency and bandwidth");
  verb.add_option("--json", o->json, "Write the results to this file (torch_bench.py's schema)");
  return [o] { return run(*o); };
});

}  // namespace
