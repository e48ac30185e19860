#include <curl/curl.h>
#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>

#include "nnlab/download/fetch.h"
#include "nnlab/error.h"
#include "nnlab/version.h"

namespace nnlab::download {
namespace fs = std::filesystem;

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  fs::path part;
  std::string file;
  DownloadObserver* observer = nullptr;
  std::FILE* out = nullptr;  // opened on the first byte, so an HTTP error leaves no file
  bool write_failed = false;
  int write_errno = 0;
  int64_t offset = 0;  // bytes already in `part` when this attempt began
  int64_t received = 0;
  std::string last_error;  // of the last attempt that was cut
};

size_t on_data(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (!t->out) {
    t->out = std::fopen(t->part.c_str(), t->offset > 0 ? "ab" : "wb");
    if (!t->out) {
      t->write_failed = true;
      t->write_errno = errno;
      return 0;  // aborts the transfer
    }
  }
  if (std::fwrite(data, 1, n, t->out) != n) {
    t->write_failed = true;
    t->write_errno = errno;
    return 0;
  }
  t->received += static_cast<int64_t>(n);
  return n;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  t->observer->on_file_progress(t->file, t->offset + now, total > 0 ? t->offset + total : -1);
  return 0;
}

struct Easy {
  CURL* h = curl_easy_init();
  ~Easy() { curl_easy_cleanup(h); }
};

int64_t size_of(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

// Errors worth resuming at once: the connection dropped or stalled after some bytes came.
bool transient(CURLcode c) {
  return c == CURLE_PARTIAL_FILE || c == CURLE_OPERATION_TIMEDOUT || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
         c == CURLE_GOT_NOTHING;
}

enum class Outcome { Done, Restart, Retry };

Outcome attempt(const std::string& url, Transfer& t, const FetchOptions& o) {
  Easy easy;
  if (!easy.h) throw Error("cannot start libcurl (curl_easy_init)");
  CURL* h = easy.h;
  char err[CURL_ERROR_SIZE] = {};
  const std::string agent = std::string("nnlab/") + version();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(h, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o.connect_timeout_s);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o.low_speed_bytes);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o.low_speed_time_s);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  t.offset = size_of(t.part);
  t.received = 0;
  if (t.offset > 0) curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t.offset));
  t.observer->on_file_start(t.file, url, t.offset);

  const CURLcode code = curl_easy_perform(h);
  bool closed = true;
  if (t.out) closed = std::fclose(t.out) == 0;
  t.out = nullptr;
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  const std::string detail = err[0] ? err : curl_easy_strerror(code);

  if (t.write_failed || !closed)
    throw IoError(fmt::format("cannot write {}: {} (is the disk full, or the folder not writable?)", t.part.string(),
                              std::strerror(t.write_errno ? t.write_errno : errno)));
  if (code == CURLE_OK) return Outcome::Done;
  // A server that ignores Range (200 where 206 was asked for), or a partial file longer than
  // what the server has (416): start the file over.
  if (t.offset > 0 && (code == CURLE_RANGE_ERROR || (code == CURLE_HTTP_RETURNED_ERROR && status == 416)))
    return Outcome::Restart;
  if (code == CURLE_HTTP_RETURNED_ERROR)
    throw IoError(
        fmt::format("download of {} failed: the server answered HTTP {}; check the URL (`mirror`) or try "
                    "again later",
                    url, status));
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY)
    throw IoError(
        fmt::format("download of {} failed: cannot connect ({}); check the network, or name another server "
                    "with `mirror`",
                    url, detail));
  if (transient(code) && t.received > 0) {
    t.last_error = detail;
    return Outcome::Retry;
  }
  const int64_t have = size_of(t.part);
  throw IoError(fmt::format("download of {} failed: {}{}", url, detail,
                            have > 0 ? fmt::format("; the {} bytes received are kept, and running the same command "
                                                   "again resumes from there",
                                                   have)
                                     : ""));
}

}  // namespace

void fetch_to_file(const std::string& url, const fs::path& part, const std::string& file, const FetchOptions& options,
                   DownloadObserver& observer) {
  global_init();
  Transfer t;
  t.part = part;
  t.file = file;
  t.observer = &observer;
  int retries_left = options.retries;
  bool restarted = false;
  for (;;) {
    switch (attempt(url, t, options)) {
      case Outcome::Done:
        return;
      case Outcome::Restart: {
        if (restarted) throw IoError(fmt::format("download of {} failed: the server refuses to resume it", url));
        restarted = true;
        std::error_code ec;
        fs::remove(part, ec);
        observer.on_message(fmt::format("{}: the server cannot resume it; starting it over", file));
        break;
      }
      case Outcome::Retry:
        if (retries_left-- <= 0)
          throw IoError(
              fmt::format("download of {} failed: {}; the {} bytes received are kept, and running the same "
                          "command again resumes from there",
                          url, t.last_error, size_of(part)));
        observer.on_message(fmt::format("{}: the connection was cut after {} bytes; resuming", file, size_of(part)));
        break;
    }
  }
}

}  // namespace nnlab::download
