// Setting a run up to its first step: the run directory, the data, the model, the
// optimizer, the schedule and the loaders, as the configuration asks.
#pragma once

#include <memory>

#include "nnlab/data/data_loader.h"
#include "nnlab/nn/module.h"
#include "nnlab/optim/optimizer.h"
#include "nnlab/optim/scheduler.h"
#include "nnlab/train/config.h"
#include "nnlab/train/data_setup.h"
#include "nnlab/train/observer.h"
#include "train/resume.h"
#include "train/run_directory.h"

namespace nnlab::train {

// A run set up to its first epoch: what a failed start leaves to discard.
struct Started {
  PreparedData data;
  std::shared_ptr<nn::Module> model;
  std::unique_ptr<optim::Optimizer> optimizer;
};

// Where a run is, for the error handling around it: before `started` an error is met by
// every rank alike (the start-up check makes sure of it); after, an error of one rank alone
// must end the job. `agreed_failure`: an error every rank throws (the averaged loss diverged).
struct RunProgress {
  bool started = false;
  bool agreed_failure = false;
};

// Writes config.json (when `writer`), then prepares the data, the model and the optimizer
// in `dir`; a failure removes what a new run wrote.
Started start_run(TrainConfig& config, RunDirectory& dir, TrainObserver& observer, bool resume, bool writer);
// One process: opens the run directory and starts the run in it.
Started start_single(TrainConfig& config, RunDirectory& dir, TrainObserver& observer, const ResumePlan* plan);

std::unique_ptr<optim::LRScheduler> make_scheduler(const TrainConfig& config, optim::Optimizer& optimizer,
                                                    int64_t steps_per_epoch);
// A loader of this process's share: `batch_size` is the global batch, split over `ranks`.
data::DataLoaderOptions loader_options(const TrainConfig& config, const data::Normalization& norm, bool training,
                                       int64_t rank, int64_t ranks);

}  // namespace nnlab::train
