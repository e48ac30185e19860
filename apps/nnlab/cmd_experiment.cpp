// nnlab experiment: the course experiments, one command each.
//   nnlab experiment list
//   nnlab experiment NAME [--out DIR] [--quick] [--data-dir DIR] [--threads N] [--seed S]
//   nnlab experiment cnn-compare [--budget epochs:N|time:300s] [--models a,b] [--launcher 'mpirun ...']
//   nnlab experiment mlp-cifar10 [--repeats 3] [--workers K]
//   nnlab experiment [cnn-compare] --resume DIR   (continues an interrupted comparison)
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
  std::string budget, launcher, resume, search_worker;
  std::vector<std::string> models;
  int64_t train_subset = 0, test_subset = 0;
  int repeats = 0, workers = 1;
  CLI::App* verb = nullptr;  // to tell which flags were given
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

// --resume DIR: the experiment and its options come from DIR; only the launcher may change
// (another set of hosts), since every other option shapes what was measured already.
int resume(const Flags& f) {
  for (const char* flag : {"--out", "--quick", "--seed", "--threads", "--data-dir", "--budget", "--models",
                           "--train-subset", "--test-subset", "--repeats", "--workers"})
    if (f.verb->count(flag) > 0)
      cli::usage_error(fmt::format("--resume {} continues with the options the experiment started with ({}/"
                                   "experiment.json); drop {} (only --launcher may change)",
                                   f.resume, f.resume, flag));
  if (!fs::is_directory(f.resume)) cli::usage_error(fmt::format("--resume {}: no such directory", f.resume));
  auto [name, o] = experiments::load_experiment_options(f.resume);
  if (!f.name.empty() && f.name != name)
    cli::usage_error(fmt::format("--resume {}: the directory holds a {} experiment, not {}", f.resume, name, f.name));
  if (f.verb->count("--launcher") > 0) o.launcher = f.launcher;
  try {
    experiments::validate_options(name, o);
  } catch (const ConfigError& e) {
    cli::usage_error(e.what());
  }
  o.out = f.resume;
  o.resume = true;
  o.trainer = fs::read_symlink("/proc/self/exe").string();
  Printer printer;
  print_output(experiments::run_experiment(name, o, printer));
  return 0;
}

int run(const Flags& f) {
  if (!f.search_worker.empty()) {  // one of mlp-cifar10's --workers, started by the experiment
    Printer printer;
    experiments::run_search_worker(f.search_worker, printer);
    return 0;
  }
  if (!f.resume.empty()) return resume(f);
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
        fmt::format("--out {}: exists and is not an empty directory; an experiment writes into a new one{}", f.out,
                    f.name == "cnn-compare" && fs::exists(fs::path(f.out) / "experiment.json")
                        ? fmt::format(" (or continue this one: --resume {})", f.out)
                        : std::string()));

  experiments::ExperimentOptions o;
  o.out = f.out.empty() ? default_out(f.name) : fs::path(f.out);
  o.quick = f.quick;
  o.data_dir = f.data_dir;
  o.threads = f.threads;
  o.seed = f.seed;
  o.budget = f.budget;
  o.models = f.models;
  o.train_subset = f.train_subset;
  o.test_subset = f.test_subset;
  o.launcher = f.launcher;
  o.repeats = f.repeats;
  o.workers = f.workers;
  try {
    experiments::validate_options(f.name, o);
  } catch (const ConfigError& e) {
    // The library names keys; the user gave flags.
    std::string text = e.what();
    for (const auto& [key, flag] : std::vector<std::pair<std::string, std::string>>{
             {"`budget`", "--budget"}, {"`models`", "--models"}, {"`train_subset`", "--train-subset"},
             {"`test_subset`", "--test-subset"}, {"`launcher`", "--launcher"}, {"`repeats`", "--repeats"},
             {"`workers`", "--workers"}, {"`quick`", "--quick"}})
      for (size_t p; (p = text.find(key)) != std::string::npos;) text.replace(p, key.size(), flag);
    cli::usage_error(text);
  }

  if (f.download) {
    data::LoadOptions lo;
    lo.name = experiments::experiment_info(f.name).dataset;
    lo.data_dir = f.data_dir;
    cli::fetch_if_missing(lo);
  }

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
                verb.add_option("--budget", f->budget,
                                "cnn-compare: epochs:N (equal epochs) or time:DURATION per model, e.g. time:300s, "
                                "time:5m (equal training time; the default, time:300s)");
                verb.add_option("--models", f->models, "cnn-compare: a subset of the models, e.g. lenet5,resnet20")
                    ->delimiter(',');
                verb.add_option("--train-subset", f->train_subset,
                                "cnn-compare: a stratified subset of the training images (default 0: all)");
                verb.add_option("--test-subset", f->test_subset,
                                "cnn-compare: a stratified subset of the test images (default 0: all)");
                verb.add_option("--launcher", f->launcher,
                                "cnn-compare: run each training under this command, e.g. 'mpirun -np 4 -H a:2,b:2' "
                                "(split into words, no shell)");
                verb.add_option("--resume", f->resume,
                                "cnn-compare: continue the comparison in DIR where it stopped (finished models are "
                                "kept, a half-trained one resumes from its checkpoint)");
                verb.add_option("--repeats", f->repeats,
                                "mlp-cifar10: run each search this many times, seeds S, S+1, ... (default 3; "
                                "--quick: 1)");
                verb.add_option("--workers", f->workers,
                                "mlp-cifar10: trials of a search run at once, each a process on the study's SQLite "
                                "storage (default 1)");
                verb.add_option("--search-worker", f->search_worker)->group("");  // set by mlp-cifar10 --workers
                f->verb = &verb;
                verb.footer("Experiments:\n" + [] {
                  std::string s;
                  for (const auto& e : experiments::experiments()) s += fmt::format("  {:<12} {}\n", e.name, e.summary);
                  return s;
                }());
                return [f] { return run(*f); };
              });

}  // namespace
