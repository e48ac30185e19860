#include "tune/storage/storage_url.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <regex>

#include "nnlab/error.h"
#include "nnlab/tune/storage.h"

namespace nnlab::tune {

namespace {

constexpr const char* kForms =
    "give memory:, sqlite:///PATH.db (a path relative to here, e.g. sqlite:///studies/mnist.db), "
    "sqlite:////ABSOLUTE/PATH.db or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE";

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

bool is_postgres_url(const std::string& url) { return starts_with(url, "postgresql://") || starts_with(url, "postgres://"); }

std::filesystem::path sqlite_path_from_url(const std::string& url) {
  const std::string prefix = "sqlite:///";
  if (!starts_with(url, prefix.c_str()) || url.size() == prefix.size())
    throw ConfigError(fmt::format("storage URL '{}' is not one nnlab reads: {}", redact_storage_url(url), kForms));
  std::string path = url.substr(prefix.size());
  if (path == ":memory:")
    throw ConfigError("storage URL sqlite:///:memory: would lose the study when nnlab exits; give a file path "
                      "(or memory: for a study that should not outlive the process)");
  if (path.back() == '/') throw ConfigError(fmt::format("storage URL '{}' names a directory; add a file name", url));
  return path;
}

void check_postgres_url(const std::string& url) {
  const std::string shown = redact_storage_url(url);
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
  if (!options) {
    std::string why = err ? err : "out of memory";
    PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw ConfigError(fmt::format("storage URL '{}' is not a PostgreSQL URL libpq reads ({}); give {}", shown, why,
                                  "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"));
  }
  std::string dbname, port;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    if (std::string(o->keyword) == "dbname") dbname = o->val;
    if (std::string(o->keyword) == "port") port = o->val;
  }
  PQconninfoFree(options);
  if (dbname.empty())
    throw ConfigError(fmt::format("storage URL '{}' names no database: add /DATABASE after the host, e.g. "
                                  "postgresql://nnlab@localhost:5432/studies",
                                  shown));
  // Several hosts may carry several ports: "5432,5433".
  static const std::regex ports("[0-9]{1,5}(,[0-9]{1,5})*");
  if (!port.empty() && !std::regex_match(port, ports))
    throw ConfigError(fmt::format("storage URL '{}': port '{}' is not a number from 1 to 65535", shown, port));
}

void check_storage_url(const std::string& url) {
  if (url == "memory:") return;
  if (is_postgres_url(url)) return check_postgres_url(url);
  sqlite_path_from_url(url);
}

std::string redact_storage_url(const std::string& url) {
  std::string out = url;
  auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t start = scheme + 3, end = out.find_first_of("/?", start);
    if (end == std::string::npos) end = out.size();
    auto at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      auto colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  static const std::regex password("([?&]password=)[^&]*");
  return std::regex_replace(out, password, "$1***");
}

std::optional<std::filesystem::path> storage_file(const std::string& url) {
  if (!starts_with(url, "sqlite:///")) return std::nullopt;
  return sqlite_path_from_url(url);
}

}  // namespace nnlab::tune
