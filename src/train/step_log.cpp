#include "train/step_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <limits>
#include <sstream>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

namespace nnlab::train {

namespace fs = std::filesystem;

namespace {

// The lines of epochs 1..epochs_done. A line that does not parse can only be the torn last
// line of an epoch that never finished (finished epochs reach the disk whole), so it goes.
std::string finished_lines(const fs::path& file, int64_t epochs_done) {
  if (epochs_done == 0 || !fs::exists(file)) return "";
  std::istringstream in(io::read_file(file, std::numeric_limits<size_t>::max(), "a steps log"));
  std::string kept;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("epoch") && j["epoch"].is_number_integer() &&
        j["epoch"].get<int64_t>() <= epochs_done)
      kept += line + "\n";
  }
  return kept;
}

[[noreturn]] void failed(const char* what, const fs::path& file) {
  throw IoError(fmt::format("{}: cannot {} ({}); free space or fix the run directory's permissions, then `resume` "
                            "the run",
                            file.string(), what, std::strerror(errno)));
}

}  // namespace

StepLog::StepLog(fs::path file, int64_t every, int64_t steps_per_epoch, int64_t epochs_done, bool writer)
    : file_(std::move(file)), every_(writer ? every : 0), steps_per_epoch_(steps_per_epoch) {
  if (!writer || (every <= 0 && !fs::exists(file_))) return;
  io::write_file_atomic(file_, finished_lines(file_, epochs_done));
  if (every_ <= 0) return;
  fd_ = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) failed("open the steps log", file_);
}

StepLog::~StepLog() {
  if (fd_ >= 0) ::close(fd_);
}

void StepLog::record(int64_t epoch, int64_t step, double loss, double lr) {
  if (fd_ < 0) return;
  const int64_t global = (epoch - 1) * steps_per_epoch_ + step;
  if (global % every_ == 0)
    write(nlohmann::json{{"epoch", epoch}, {"step", step}, {"global_step", global}, {"loss", loss}, {"lr", lr}}
              .dump() +
          "\n");
  // One flush to disk per epoch rather than per line: the epoch's checkpoint follows, and
  // a resumed run drops the lines of an epoch that did not finish anyway.
  if (step == steps_per_epoch_ && ::fsync(fd_) != 0) failed("flush the steps log", file_);
}

void StepLog::write(const std::string& line) {
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) failed("append to the steps log", file_);
    done += static_cast<size_t>(n);
  }
}

}  // namespace nnlab::train
