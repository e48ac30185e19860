#include "experiments/search_workers.h"

#include <fmt/format.h>

#include <thread>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/tune/study.h"
#include "nnlab/tune/study_summary.h"
#include "nnlab/tune/worker_pool.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Forwards a study's trials to the experiment's progress.
class StudyProgress : public tune::StudyObserver {
 public:
  StudyProgress(std::string study, int trials, ExperimentObserver& observer)
      : study_(std::move(study)), trials_(trials), observer_(observer) {}
  void trial_started(const tune::FrozenTrial& t) override {
    std::string params;
    for (const auto& [k, v] : t.params) params += fmt::format(" {}={}", k, tune::display_value(v));
    observer_.on_message(fmt::format("mlp-cifar10: {} trial {}/{}:{}", study_, t.number + 1, trials_, params));
  }
  void trial_finished(const tune::FrozenTrial& t, const tune::FrozenTrial* best) override {
    observer_.on_message(
        fmt::format("mlp-cifar10: {} trial {} {}{}", study_, t.number + 1, tune::to_string(t.state),
                    t.value ? fmt::format(", validation accuracy {:.2f}%", 100 * *t.value) : ": " + t.message));
  }

 private:
  std::string study_;
  int trials_;
  ExperimentObserver& observer_;
};

tune::SearchSpace space_of(const SearchJob& job) { return job.grid_space ? grid_space(job.grid) : full_space(); }

std::unique_ptr<tune::Sampler> sampler_of(const SearchJob& job) {
  return tune::make_sampler(job.sampler, tune::SamplerOptions{job.startup_trials});
}

std::unique_ptr<tune::Storage> storage_of(const SearchJob& job) {
  return tune::open_storage("sqlite:///" + fs::absolute(job.storage_file).string());
}

// Runs trials of the job's study in this process until the study has its target.
void optimize_here(const SearchJob& job, ExperimentObserver& observer) {
  std::unique_ptr<tune::Storage> storage = storage_of(job);
  TrainingObjective objective(job.base, job.study, job.trials_dir, observer);
  tune::Study study =
      tune::Study::create_or_load(*storage, job.study, tune::Direction::Maximize, space_of(job), objective.describe());
  auto sampler = sampler_of(job);
  tune::OptimizeOptions opt;
  opt.n_trials = job.trials;
  opt.seed = job.seed;
  StudyProgress progress(job.study, job.trials, observer);
  study.optimize(*sampler, nullptr, objective, opt, &progress);
}

}  // namespace

json SearchJob::to_json() const {
  return {{"study", study},
          {"sampler", sampler},
          {"startup_trials", startup_trials},
          {"trials", trials},
          {"seed", seed},
          {"grid_space", grid_space},
          {"grid_lr", grid.lr},
          {"grid_width", grid.width},
          {"base", base.to_json()},
          {"storage_file", storage_file.string()},
          {"trials_dir", trials_dir.string()}};
}

SearchJob SearchJob::from_json(const json& j) {
  SearchJob job;
  job.study = j.at("study");
  job.sampler = j.at("sampler");
  job.startup_trials = j.at("startup_trials");
  job.trials = j.at("trials");
  job.seed = j.at("seed");
  job.grid_space = j.at("grid_space");
  job.grid.lr = j.at("grid_lr").get<std::vector<double>>();
  job.grid.width = j.at("grid_width").get<std::vector<int64_t>>();
  job.base = train::TrainConfig::from_json(j.at("base"));
  job.storage_file = j.at("storage_file").get<std::string>();
  job.trials_dir = j.at("trials_dir").get<std::string>();
  return job;
}

json run_search(const SearchJob& job, int workers, const std::string& trainer, int threads,
                ExperimentObserver& observer) {
  if (workers <= 1) {
    optimize_here(job, observer);
  } else {
    if (trainer.empty()) throw ConfigError("mlp-cifar10 with workers needs the nnlab program (ExperimentOptions::trainer)");
    SearchJob shared = job;
    const int cores = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    shared.base.threads = std::max(1, cores / workers);
    {  // the study exists before its workers start, so that none of them races another to create it
      std::unique_ptr<tune::Storage> storage = storage_of(job);
      TrainingObjective objective(shared.base, job.study, job.trials_dir, observer);
      tune::Study::create_or_load(*storage, job.study, tune::Direction::Maximize, space_of(job), objective.describe());
    }
    const fs::path file = job.trials_dir.parent_path() / "jobs" / (job.study + ".json");
    fs::create_directories(file.parent_path());
    io::write_file_atomic(file, shared.to_json().dump(1) + "\n");
    std::vector<std::vector<std::string>> argvs(
        static_cast<size_t>(workers), std::vector<std::string>{trainer, "experiment", "--search-worker", file.string()});
    observer.on_message(fmt::format("mlp-cifar10: {} with {} worker processes of {} threads (`{}`)", job.study, workers,
                                    shared.base.threads, fmt::join(argvs.front(), " ")));
    std::string failed;
    for (const tune::WorkerExit& w : tune::run_worker_processes(argvs, nullptr))
      if (!w.ok) failed += fmt::format("{}worker {} {}", failed.empty() ? "" : "; ", w.index, w.description);
    if (!failed.empty()) throw Error(fmt::format("mlp-cifar10: search {}: {}", job.study, failed));
  }
  std::unique_ptr<tune::Storage> storage = storage_of(job);
  const tune::Study study = tune::Study::load(*storage, job.study);
  json trials = json::array();
  for (const tune::FrozenTrial& t : study.trials()) trials.push_back(tune::trial_to_json(t));
  return trials;
}

void run_search_worker(const fs::path& job_file, ExperimentObserver& observer) {
  SearchJob job;
  try {
    job = SearchJob::from_json(json::parse(io::read_file(job_file, io::kConfigFileLimit, "a search worker's job")));
  } catch (const json::exception& e) {
    throw IoError(fmt::format("{}: not a search job of mlp-cifar10 ({})", job_file.string(), e.what()));
  }
  optimize_here(job, observer);
}

}  // namespace nnlab::experiments
