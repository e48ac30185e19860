// steps.jsonl: one line every `log_steps` training steps, written by rank 0 alone:
//   {"epoch": 1, "step": 10, "global_step": 10, "loss": 2.28, "lr": 0.002}
// `loss` is the step's mean loss over the ranks (the one the gradient average returns),
// `lr` the rate the step trained at. Lines reach the file as they are made and the disk at
// the end of each epoch, before its checkpoint; a resumed run first rewrites the file to
// the finished epochs' lines, as it does metrics.jsonl.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace nnlab::train {

class StepLog {
 public:
  // Off unless `every` > 0 and `writer` (rank 0). A fresh run starts the file empty; one
  // resumed after `epochs_done` epochs keeps their lines and drops the later ones.
  StepLog(std::filesystem::path file, int64_t every, int64_t steps_per_epoch, int64_t epochs_done, bool writer);
  ~StepLog();
  StepLog(const StepLog&) = delete;
  StepLog& operator=(const StepLog&) = delete;

  // After step `step` (from 1) of epoch `epoch` (from 1).
  void record(int64_t epoch, int64_t step, double loss, double lr);

 private:
  void write(const std::string& line);
  std::filesystem::path file_;
  int64_t every_, steps_per_epoch_;
  int fd_ = -1;
};

}  // namespace nnlab::train
