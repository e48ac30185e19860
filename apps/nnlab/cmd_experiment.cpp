// nnlab experiment: the course experiments, one command each.
//   nnlab experiment list
//   nnlab experiment NAME [--out DIR] [--quick] [--data-dir DIR] [--threads N] [--seed S]
//   nnlab experiment render DIR      (report.md and plots again from DIR/results.json)
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "command.h"
#include "download.h"
#include "nnlab/error.h"
#include "nnlab/experiments/experiment.h"
#include "progress.h"

namespace {

using namespace nnlab;
namespace fs = std::filesystem;

struct Flags {
  std::string name, dir;
  std::string out, data_dir;
  bool quick = false;
  bool download = false;
  int threads = 0;
  uint64_t seed = 0;
};

// Training progress as `nnlab train` shows it; messages as lines, all on stderr.
class Printer : public experiments::ExperimentObserver {
 public:
  void on_message(const std::string& text) override { progress_.on_message(text); }
  void on_batch(const train::BatchProgress& p) override { progress_.on_batch(p); }
  void on_epoch(const train::EpochRecord& r) override { progress_.on_epoch(r); }

 private:
  cli::ProgressPrinter progress_{stderr, ""};
};

std::string names() {
  std::string out;
  for (const auto& e : experiments::experiments()) out += (out.empty() ? "" : ", ") + e.name;
  return out;
}

// runs/<name>-<time>, with -2, -3, ... when that exists already.
fs::path default_out(const std::string& name) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  const std::string base = fmt::format("runs/{}-{:%Y%m%d-%H%M%S}", name, fmt::localtime(now));
  fs::path dir = base;
  for (int i = 2; fs::exists(dir); ++i) dir = base + "-" + std::to_string(i);
  return dir;
}

void print_output(const experiments::ExperimentOutput& out) {
  fmt::print("report: {}\nresults: {}\n", out.report.string(), out.results.string());
  int csv = 0;
  for (const auto& p : out.plots) csv += !p.is_png;
  if (csv == 0) {
    fmt::print("plots: {} PNG files in {}\n", out.plots.size(), out.dir.string());
  } else {
    fmt::print("plots: {} of {} written as CSV ({})\n", csv, out.plots.size(), out.plots.front().note);
  }
}

int run(const Flags& f) {
  if (f.name.empty()) cli::usage_error("give an experiment: list, render DIR, or one of " + names());
  if (f.name == "list") {
    if (!f.dir.empty()) cli::usage_error("'experiment list' takes no further argument");
    for (const auto& e : experiments::experiments()) fmt::print("{:<12} {}\n", e.name, e.summary);
    return 0;
  }
  if (f.name == "render") {
    if (f.dir.empty())
      cli::usage_error("'experiment render' needs the experiment directory: nnlab experiment render DIR");
    print_output(experiments::render_experiment(f.dir));
    return 0;
  }
  bool known = false;
  for (const auto& e : experiments::experiments()) known = known || e.name == f.name;
  if (!known) cli::usage_error(fmt::format("unknown experiment '{}': the experiments are {}", f.name, names()));
  if (!f.dir.empty())
    cli::usage_error(fmt::format("unexpected argument '{}': the output directory is given with --out", f.dir));
  if (!f.data_dir.empty() && !fs::is_directory(f.data_dir))
    cli::usage_error(fmt::format("--data-dir {}: not a directory", f.data_dir));

  // A folder holding only a lock is one another experiment is starting in: the library names it.
  auto foreign = [](const fs::path& d) {
    if (!fs::is_directory(d)) return true;
    for (const auto& e : fs::directory_iterator(d))
      if (e.path().filename() != ".nnlab.lock") return true;
    return false;
  };
  if (!f.out.empty() && fs::exists(f.out) && foreign(f.out))
    cli::usage_error(
        fmt::format("--out {}: exists and is not an empty directory; an experiment writes into a new one", f.out));

  if (f.download) {
    data::LoadOptions lo;
    lo.name = experiments::experiment_info(f.name).dataset;
    lo.data_dir = f.data_dir;
    cli::fetch_if_missing(lo);
  }

  experiments::ExperimentOptions o;
  o.out = f.out.empty() ? default_out(f.name) : fs::path(f.out);
  o.quick = f.quick;
  o.data_dir = f.data_dir;
  o.threads = f.threads;
  o.seed = f.seed;
  o.trainer = fs::read_symlink("/proc/self/exe").string();  // cnn-compare runs this program per model
  Printer printer;
  print_output(experiments::run_experiment(f.name, o, printer));
  return 0;
}

NNLAB_COMMAND("experiment", "Run a course experiment into a report with plots (experiment list names them)",
              [](CLI::App& verb) {
                auto f = std::make_shared<Flags>();
                verb.add_option("name", f->name, "list, render, or an experiment: " + names());
                verb.add_option("dir", f->dir, "render: the experiment directory");
                verb.add_option("--out", f->out,
                                "Directory for report.md, results.json and plots (new or empty; "
                                "default runs/NAME-TIME)");
                verb.add_flag("--quick", f->quick, "The short version (what the tests run)");
                verb.add_option("--data-dir", f->data_dir, "Directory searched first for datasets (CIFAR-10, SVHN)");
                cli::add_download_flag(verb, f->download);
                cli::add_threads_flag(verb, f->threads);
                verb.add_option("--seed", f->seed, "Seed of every random choice (default 0)");
                verb.footer("Experiments:\n" + [] {
                  std::string s;
                  for (const auto& e : experiments::experiments()) s += fmt::format("  {:<12} {}\n", e.name, e.summary);
                  return s;
                }());
                return [f] { return run(*f); };
              });

}  // namespace
