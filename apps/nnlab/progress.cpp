#include "progress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>

#include "flag_text.h"
#include "nnlab/tune/train_adapter.h"

namespace nnlab::cli {

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

ProgressPrinter::ProgressPrinter(std::FILE* human, std::string report_metric)
    : human_(human), report_metric_(std::move(report_metric)), bar_(::isatty(::fileno(stderr)) != 0) {}

void ProgressPrinter::on_message(const std::string& text) { fmt::print(human_, "{}\n", keys_as_flags(text)); }

void ProgressPrinter::on_batch(const train::BatchProgress& p) {
  if (!bar_) return;
  const double t = now_seconds();
  if (p.batch != p.batches && t - last_draw_ < 0.1) return;  // redraw at most 10 times a second
  last_draw_ = t;
  const int width = 30;
  const int done = static_cast<int>(width * p.batch / std::max<int64_t>(p.batches, 1));
  fmt::print(stderr, "\r\033[Kepoch {}/{} [{}{}] {}/{} loss {:.4f} acc {:.2f}% {:.0f} img/s ETA {:.0f}s", p.epoch,
             p.epochs, std::string(done, '='), std::string(width - done, ' '), p.batch, p.batches, p.loss,
             100 * p.accuracy, p.images_per_second, p.eta_seconds);
  std::fflush(stderr);
}

void ProgressPrinter::on_epoch(const train::EpochRecord& r) {
  if (bar_) fmt::print(stderr, "\r\033[K");
  std::string val = r.val_accuracy ? fmt::format(" val {:.2f}%", 100 * *r.val_accuracy) : "";
  fmt::print(human_, "epoch {:>3}  loss {:.4f}  train {:.2f}%{}  test {:.2f}%  lr {:.3g}  {:.2f} s/epoch ({:.0f} img/s, "
             "data wait {:.1f}%)\n",
             r.epoch, r.train_loss, 100 * r.train_accuracy, val, 100 * r.test_accuracy, r.lr, r.train_seconds,
             r.images_per_second, 100 * r.data_wait_fraction);
  std::fflush(human_);
  if (!report_metric_.empty()) {
    fmt::print(stdout, "{}\n", tune::format_report(r.epoch, r.metric(report_metric_)));
    std::fflush(stdout);
  }
}

}  // namespace nnlab::cli
