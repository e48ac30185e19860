// The board's HTTP server (cpp-httplib): the page, the chart library, and a JSON API that
// reads runs, studies and experiment reports. Requests are bounded (only GET, a short
// target, few headers, no body) and every path is checked by resolve_inside().
#include <arpa/inet.h>
#include <httplib.h>

#include <fmt/format.h>

#include <charconv>

#include "board/report_reader.h"
#include "board/root_paths.h"
#include "board/run_reader.h"
#include "board/study_reader.h"
#include "board/web_assets.h"
#include "nnlab/board/board.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/tune/storage.h"

namespace nnlab::board {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kMaxTarget = 4096;   // the longest request line target accepted
constexpr size_t kMaxHeaders = 64;
constexpr size_t kMaxFileBytes = size_t{32} << 20;  // a plot or CSV the page shows

void reply_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  // File names and messages may hold bytes that are not UTF-8: replaced, never a throw.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply_json(res, status, {{"error", message}});
}

std::optional<size_t> parse_index(const std::string& text) {
  size_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

const char* type_of(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".png") return "image/png";
  if (ext == ".csv") return "text/csv; charset=utf-8";
  if (ext == ".md") return "text/markdown; charset=utf-8";
  if (ext == ".json") return "application/json";
  return nullptr;
}

// "host:port", "[v6]:port" or "host" without the port.
std::string host_of(const std::string& header) {
  if (!header.empty() && header.front() == '[') return header.substr(0, header.find(']') + 1);
  return header.substr(0, header.find(':'));
}

}  // namespace

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

struct BoardServer::Impl {
  BoardOptions options;
  std::vector<fs::path> roots;  // canonical
  std::string chart_js, chart_css;
  httplib::Server server;
  int port = 0;

  // The directory an "id" names ("<root>/<path below it>"), when inside its root and of
  // the kind asked for.
  std::optional<FoundDir> find(const std::string& id, DirKind kind, fs::path& dir) const {
    const size_t slash = id.find('/');
    if (slash == std::string::npos) return std::nullopt;
    const auto root = parse_index(id.substr(0, slash));
    if (!root || *root >= roots.size()) return std::nullopt;
    const std::string rel = id.substr(slash + 1);
    const auto resolved = resolve_inside(roots[*root], rel);
    if (!resolved) return std::nullopt;
    std::error_code ec;
    if (!fs::is_directory(*resolved, ec)) return std::nullopt;
    const bool experiment = fs::is_regular_file(*resolved / "report.md", ec);
    const bool run = fs::is_regular_file(*resolved / "config.json", ec) ||
                     fs::is_regular_file(*resolved / "metrics.jsonl", ec);
    if (kind == DirKind::Experiment ? !experiment : !run) return std::nullopt;
    dir = *resolved;
    return FoundDir{kind, static_cast<int>(*root), rel};
  }

  void routes();
  void limits();
};

void BoardServer::Impl::limits() {
  // A kept-alive connection holds one of the pool's threads while it idles, and a browser
  // opens up to 6 per page: idle ones are closed after 1 s (the page polls every 2 s).
  server.new_task_queue = [] { return new httplib::ThreadPool(16); };
  server.set_keep_alive_timeout(1);
  server.set_payload_max_length(16 * 1024);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_max_count(1000);
  const bool loopback = is_loopback(options.host);
  server.set_pre_routing_handler([this, loopback](const httplib::Request& req, httplib::Response& res) {
    using R = httplib::Server::HandlerResponse;
    if (req.method != "GET" && req.method != "HEAD") {
      reply_error(res, 405, "nnlab board only reads: GET requests only");
      return R::Handled;
    }
    if (req.target.size() > kMaxTarget) {
      reply_error(res, 414, "request target too long");
      return R::Handled;
    }
    if (req.headers.size() > kMaxHeaders) {
      reply_error(res, 431, "too many request headers");
      return R::Handled;
    }
    // Served on loopback, only pages of this machine's names may ask: another site's page
    // that resolves its own name to 127.0.0.1 (DNS rebinding) is refused.
    if (loopback && !is_loopback(host_of(req.get_header_value("Host")))) {
      reply_error(res, 403, "Host header is not a loopback name");
      return R::Handled;
    }
    return R::Unhandled;
  });
  server.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", "no-store");
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'");
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unexpected failure";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    reply_error(res, 500, what);
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty())
      reply_error(res, res.status, res.status == 404 ? "not found" : fmt::format("HTTP {}", res.status));
  });
}

void BoardServer::Impl::routes() {
  for (const WebAsset& a : web_assets()) {
    const std::string path = a.path == "/index.html" ? "/" : std::string(a.path);
    server.Get(path, [a](const httplib::Request&, httplib::Response& res) {
      res.set_content(a.body.data(), a.body.size(), std::string(a.type).c_str());
    });
  }
  server.Get("/favicon.ico", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  server.Get("/lib/dygraph.min.js", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(chart_js, "text/javascript; charset=utf-8");
  });
  server.Get("/lib/dygraph.min.css", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(chart_css, "text/css; charset=utf-8");
  });

  server.Get("/api/runs", [this](const httplib::Request&, httplib::Response& res) {
    json runs = json::array(), experiments = json::array(), root_names = json::array();
    for (const fs::path& r : roots) root_names.push_back(r.string());
    for (const FoundDir& f : find_dirs(roots)) {
      const fs::path dir = f.rel.empty() ? roots[f.root] : roots[f.root] / f.rel;
      if (f.kind == DirKind::Run) runs.push_back(run_row(f, dir));
      else experiments.push_back(experiment_row(f, dir));
    }
    reply_json(res, 200, {{"roots", root_names}, {"runs", runs}, {"experiments", experiments}});
  });

  server.Get("/api/run", [this](const httplib::Request& req, httplib::Response& res) {
    fs::path dir;
    const auto found = find(req.get_param_value("id"), DirKind::Run, dir);
    if (!found) return reply_error(res, 404, "no such run below the board's folders");
    size_t from = 0;
    if (req.has_param("from")) {
      const auto f = parse_index(req.get_param_value("from"));
      if (!f) return reply_error(res, 400, "`from` must be a count of epochs (0, 1, ...)");
      from = *f;
    }
    reply_json(res, 200, run_detail(*found, dir, from));
  });

  server.Get("/api/experiment", [this](const httplib::Request& req, httplib::Response& res) {
    fs::path dir;
    const auto found = find(req.get_param_value("id"), DirKind::Experiment, dir);
    if (!found) return reply_error(res, 404, "no such experiment report below the board's folders");
    reply_json(res, 200, experiment_detail(*found, dir));
  });

  // A file of a run or report folder that the page shows (a plot, a CSV).
  server.Get("/api/file", [this](const httplib::Request& req, httplib::Response& res) {
    fs::path dir;
    const std::string id = req.get_param_value("id");
    if (!find(id, DirKind::Experiment, dir) && !find(id, DirKind::Run, dir))
      return reply_error(res, 404, "no such run or report below the board's folders");
    const auto file = resolve_inside(dir, req.get_param_value("name"));
    std::error_code ec;
    const char* type = file ? type_of(*file) : nullptr;
    if (!file || !type || !fs::is_regular_file(*file, ec))
      return reply_error(res, 404, "no such PNG, CSV, Markdown or JSON file in that folder");
    try {
      res.set_content(io::read_file(*file, kMaxFileBytes, "a file the board shows"), type);
    } catch (const Error& e) {
      reply_error(res, 413, e.what());
    }
  });

  server.Get("/api/studies", [this](const httplib::Request&, httplib::Response& res) {
    reply_json(res, 200, list_studies(options.storages));
  });

  server.Get("/api/study", [this](const httplib::Request& req, httplib::Response& res) {
    const auto index = parse_index(req.get_param_value("storage"));
    if (!index || *index >= options.storages.size()) return reply_error(res, 404, "no such storage");
    try {
      reply_json(res, 200, study_detail(options.storages[*index], req.get_param_value("name")));
    } catch (const ConfigError& e) {
      reply_error(res, 404, e.what());
    } catch (const std::exception& e) {  // locked, corrupt, unreachable: this study only
      reply_error(res, 503, e.what());
    }
  });
}

BoardServer::BoardServer(BoardOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  for (const fs::path& r : impl_->options.runs) {
    std::error_code ec;
    const fs::path c = fs::canonical(r, ec);
    if (ec || !fs::is_directory(c, ec))
      throw ConfigError(fmt::format("`runs` {}: not a directory; give a folder of run directories", r.string()));
    impl_->roots.push_back(c);
  }
  for (const std::string& url : impl_->options.storages) {
    tune::check_storage_url(url);
    if (url == "memory:") throw ConfigError("`storage` memory: holds nothing another process can read");
  }
  const fs::path lib = impl_->options.chart_library;
  try {
    impl_->chart_js = io::read_file(lib / "dygraph.min.js", size_t{8} << 20, "the chart library");
    impl_->chart_css = io::read_file(lib / "dygraph.min.css", size_t{1} << 20, "the chart library");
  } catch (const Error&) {
    throw IoError(fmt::format("the board's chart library is missing ({}/dygraph.min.js): install libjs-dygraphs "
                              "(apt-get install libjs-dygraphs)",
                              lib.string()));
  }
  impl_->limits();
  impl_->routes();
}

BoardServer::~BoardServer() = default;

int BoardServer::bind() {
  const BoardOptions& o = impl_->options;
  const bool ok = o.port == 0 ? (impl_->port = impl_->server.bind_to_any_port(o.host)) > 0
                              : impl_->server.bind_to_port(o.host, o.port);
  if (!ok)
    throw IoError(fmt::format("cannot listen on {}:{}: the port is taken or the address is not this machine's; "
                              "choose another `port` or `host`",
                              o.host, o.port));
  if (o.port != 0) impl_->port = o.port;
  return impl_->port;
}

void BoardServer::serve() { impl_->server.listen_after_bind(); }

void BoardServer::stop() { impl_->server.stop(); }

}  // namespace nnlab::board
