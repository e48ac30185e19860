// Fetching one file over HTTP(S) with libcurl: redirects followed, HTTP errors reported as
// errors, a stalled or refused connection given up on, and a partial file continued where
// it stopped (a Range request) rather than started again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace nnlab::download {

// What a download reports as it goes; the library never prints. Sizes are in bytes; a
// total of -1 means the server did not say.
class DownloadObserver {
 public:
  virtual ~DownloadObserver() = default;
  // `offset` is what an earlier, interrupted attempt left (a resumed download).
  virtual void on_file_start(const std::string& file, const std::string& url, int64_t offset) {}
  virtual void on_file_progress(const std::string& file, int64_t done, int64_t total) {}
  // The file arrived whole and its MD5 matched (`reused`: it was already there and matched).
  virtual void on_file_done(const std::string& file, int64_t bytes, bool reused) {}
  virtual void on_message(const std::string& text) {}
};

struct FetchOptions {
  long connect_timeout_s = 30;
  // A transfer slower than low_speed_bytes per second for low_speed_time_s is given up on.
  long low_speed_bytes = 1;
  long low_speed_time_s = 60;
  // A transfer cut after some bytes arrived is resumed this many times within one call.
  int retries = 3;
};

// Appends the bytes of `url` to `part` from its current size (the whole file when `part`
// is absent or empty). A server that ignores the Range request has the file started over.
// Throws IoError naming the URL: HTTP status (404), connection refused, timeout, a
// connection cut (the bytes received stay in `part`, so a later call resumes), or a file
// that cannot be written. `file` names the file in the observer's calls.
void fetch_to_file(const std::string& url, const std::filesystem::path& part, const std::string& file,
                   const FetchOptions& options, DownloadObserver& observer);

}  // namespace nnlab::download
