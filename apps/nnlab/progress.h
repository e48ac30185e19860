// The CLI's TrainObserver: a progress bar redrawn in place when stderr is a terminal, one
// plain line per epoch otherwise; "nnlab:report EPOCH VALUE" lines on stdout for tuners.
#pragma once

#include <cstdio>
#include <string>

#include "nnlab/train/observer.h"

namespace nnlab::cli {

class ProgressPrinter : public train::TrainObserver {
 public:
  // Human-readable lines go to `human` (stderr when stdout carries JSON).
  ProgressPrinter(std::FILE* human, std::string report_metric);
  void on_message(const std::string& text) override;
  void on_batch(const train::BatchProgress& p) override;
  void on_epoch(const train::EpochRecord& r) override;

 private:
  std::FILE* human_;
  std::string report_metric_;
  bool bar_;
  double last_draw_ = -1;
};

}  // namespace nnlab::cli
