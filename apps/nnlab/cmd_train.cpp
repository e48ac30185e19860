// nnlab train: trains a zoo model on a dataset into a run directory.
#include <fmt/core.h>

#include <set>

#include "command.h"
#include "download.h"
#include "nnlab/dist/replica_group.h"
#include "nnlab/train/trainer.h"
#include "progress.h"
#include "train_flags.h"

namespace {

struct Options {
  std::unique_ptr<nnlab::cli::TrainFlags> flags;
  std::string resume;
  std::string report_metric;
  bool json = false;
  bool dry_run = false;
  bool download = false;
};

int train_or_resume(const Options& o) {
  using namespace nnlab;
  static const std::set<std::string> metrics{"val_accuracy",  "val_loss",       "test_accuracy",
                                             "test_loss",     "train_accuracy", "train_loss"};
  if (!o.report_metric.empty() && !metrics.count(o.report_metric))
    cli::usage_error("--report-metric '" + o.report_metric +
                     "': accepted are val_accuracy, val_loss, test_accuracy, test_loss, train_accuracy, train_loss");
  if (o.dry_run) {
    train::TrainConfig config = o.resume.empty() ? o.flags->resolve() : train::load_run_config(o.resume);
    config.validate();
    fmt::print("{}\n", config.to_json().dump(2));
    return 0;
  }
  if (o.download) cli::fetch_if_missing(o.resume.empty() ? o.flags->resolve().data : train::load_run_config(o.resume).data);
  cli::ProgressPrinter printer(o.json ? stderr : stdout, o.report_metric);
  train::TrainResult result;
  if (o.resume.empty()) {
    result = train::train(o.flags->resolve(), printer);
  } else {
    // A resumed run keeps its configuration; the flags given are the changes asked for.
    if (!o.flags->config_file().empty())
      cli::usage_error("--config cannot be combined with --resume: the run keeps its own config.json (edit that, "
                       "or give the changes as flags)");
    nlohmann::json changes = o.flags->given();
    if (changes.contains("out") && changes["out"] != o.resume)
      cli::usage_error("--out cannot be combined with --resume: the run continues in its own directory");
    changes.erase("out");
    result = train::resume(o.resume, changes, printer);
  }
  if (!dist::ReplicaGroup::world().primary()) return 0;  // under mpirun rank 0 alone reports
  const auto& last = result.history.back();
  if (o.json) {
    fmt::print("{}\n", result.to_json().dump());
    return 0;
  }
  fmt::print("\n{}\n{}", result.test.format_table(result.class_names), result.test.format_confusion(result.class_names));
  fmt::print("test accuracy {:.2f}% (loss {:.4f}) after {} epochs; {:.2f} s per epoch of training",
             100 * last.test_accuracy, last.test_loss, last.epoch,
             result.train_seconds / static_cast<double>(result.history.size()));
  const double t90 = result.seconds_to_target(0.90);
  if (t90 >= 0)
    fmt::print("; 90% test accuracy after {:.1f} s of training ({:.1f} s with loading the data)", t90,
               t90 + result.setup_seconds);
  fmt::print("\nrun directory: {}\n", result.run_dir.string());
  return 0;
}

// A configuration the trainer refuses (a key, value, or change of a resumed run) is a
// usage error: exit 2, like a flag CLI11 refuses.
int run(const Options& o) {
  try {
    return train_or_resume(o);
  } catch (const nnlab::ConfigError& e) {
    nnlab::cli::usage_error(e.what());
  }
}

NNLAB_COMMAND("train", "Train a model (default: lenet5 on Fashion-MNIST)", [](CLI::App& verb) {
  auto o = std::make_shared<Options>();
  o->flags = std::make_unique<nnlab::cli::TrainFlags>(verb);
  verb.add_option("--resume", o->resume, "Continue the run in this directory from its checkpoint");
  verb.add_option("--report-metric", o->report_metric,
                  "Print 'nnlab:report EPOCH VALUE' on stdout after each epoch for this metric "
                  "(val_accuracy, val_loss, test_accuracy, test_loss, train_accuracy, train_loss)");
  verb.add_flag("--json", o->json, "Print the final metrics as one JSON object on stdout");
  nnlab::cli::add_download_flag(verb, o->download);
  verb.add_flag("--dry-run", o->dry_run,
                "Check the flags and the --config file, print the configuration as JSON and exit without training");
  return [o] { return run(*o); };
});

}  // namespace
