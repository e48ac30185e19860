#include "download.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "command.h"
#include "nnlab/download/datasets.h"
#include "nnlab/download/md5.h"
#include "nnlab/error.h"

namespace nnlab::cli {
namespace fs = std::filesystem;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string megabytes(int64_t bytes) {
  const double b = static_cast<double>(bytes);
  return b < 1e6 ? fmt::format("{:.1f} kB", b / 1e3) : fmt::format("{:.1f} MB", b / 1e6);
}

class DownloadPrinter : public download::DownloadObserver {
 public:
  DownloadPrinter() : bar_(::isatty(::fileno(stderr)) != 0) {}

  void on_file_start(const std::string& file, const std::string& url, int64_t offset) override {
    url_ = url;
    offset_ = offset;
    start_ = now_seconds();
    last_draw_ = -1;
    last_done_ = offset;
    // A file started again within this run was cut: the library said so already.
    if (offset > 0 && file != last_file_)
      fmt::print(stderr, "{}: resuming at {} of {}\n", file, megabytes(offset), url);
    last_file_ = file;
  }

  void on_file_progress(const std::string& file, int64_t done, int64_t total) override {
    if (!bar_ || done == last_done_) return;  // libcurl also calls while nothing arrives
    const double t = now_seconds();
    if (done != total && t - last_draw_ < 0.1) return;  // redraw at most 10 times a second
    last_draw_ = t;
    last_done_ = done;
    const double rate = static_cast<double>(done - offset_) / std::max(t - start_, 1e-3);
    if (total <= 0) {
      fmt::print(stderr, "\r\033[K{} {} {}/s", file, megabytes(done), megabytes(static_cast<int64_t>(rate)));
    } else {
      const int width = 30;
      const int filled = static_cast<int>(width * std::min<int64_t>(done, total) / total);
      fmt::print(stderr, "\r\033[K{} [{}{}] {} / {} {}/s", file, std::string(filled, '='),
                 std::string(width - filled, ' '), megabytes(done), megabytes(total),
                 megabytes(static_cast<int64_t>(rate)));
    }
    std::fflush(stderr);
  }

  void on_file_done(const std::string& file, int64_t bytes, bool reused) override {
    if (bar_) fmt::print(stderr, "\r\033[K");
    if (reused)
      fmt::print(stderr, "{}: already downloaded, MD5 matches ({})\n", file, megabytes(bytes));
    else
      fmt::print(stderr, "{}: {} from {}, MD5 matches\n", file, megabytes(bytes), url_);
    std::fflush(stderr);
  }

  void on_message(const std::string& text) override {
    if (bar_) fmt::print(stderr, "\r\033[K");
    fmt::print(stderr, "{}\n", text);
  }

 private:
  bool bar_;
  std::string url_, last_file_;
  int64_t offset_ = 0, last_done_ = 0;
  double start_ = 0, last_draw_ = -1;
};

std::string from_env(const std::string& given, const char* var) {
  if (!given.empty()) return given;
  const char* v = std::getenv(var);
  return v ? v : "";
}

download::FileSetResult fetch(const GetRequest& r) {
  download::DatasetDownload d;
  d.name = r.name;
  d.svhn_extra = r.svhn_extra;
  d.data_dir = r.data_dir;
  d.mirror = from_env(r.mirror, "NNLAB_MIRROR");
  const std::string sums = from_env(r.md5sums, "NNLAB_MD5SUMS");
  try {
    if (r.mirror.empty() && !d.mirror.empty()) download::check_mirror(d.mirror, "$NNLAB_MIRROR");
    if (!sums.empty()) {
      d.md5_overrides = download::read_md5sums(sums);
      fmt::print(stderr, "checking the MD5s listed in {}, not the published ones\n", sums);
    }
    DownloadPrinter printer;
    return download::download_dataset(d, printer);
  } catch (const ConfigError& e) {
    usage_error(e.what());
  }
}

}  // namespace

int get_dataset(const GetRequest& r) {
  const download::FileSetResult result = fetch(r);
  if (result.fetched == 0)
    fmt::print("{} is in {} ({} files, every MD5 matches; nothing downloaded)\n", r.name, result.dir.string(),
               result.reused);
  else
    fmt::print("{} is in {} ({} files downloaded, {}; {} already there)\n", r.name, result.dir.string(), result.fetched,
               megabytes(result.bytes), result.reused);
  return 0;
}

void add_download_flag(CLI::App& verb, bool& download) {
  verb.add_flag("--download", download,
                "Download the dataset when it is not found (into ~/.cache/nnlab/NAME, or DIR/NAME with --data-dir; "
                "$NNLAB_MIRROR names another server), then go on");
}

void fetch_if_missing(const data::LoadOptions& o) {
  if (o.name.starts_with("csv:") || o.name.starts_with("folder:")) return;
  const data::Location where = data::locate_dataset(o.name, o.data_dir);
  std::error_code ec;
  const bool extra_missing = o.svhn_extra && where.dir && !fs::exists(*where.dir / "extra_32x32.mat", ec);
  if (where.dir && !extra_missing) return;
  GetRequest r;
  r.name = o.name;
  r.svhn_extra = o.svhn_extra;
  r.data_dir = o.data_dir;
  const download::FileSetResult result = fetch(r);
  fmt::print(stderr, "{}: downloaded into {}\n", o.name, result.dir.string());
}

}  // namespace nnlab::cli
