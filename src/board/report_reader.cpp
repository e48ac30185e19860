#include "board/report_reader.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

namespace nnlab::board {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kReportLimit = size_t{4} << 20;

std::string read_bounded(const fs::path& file, size_t limit) {
  try {
    return io::read_file(file, limit, "a report file");
  } catch (const Error&) {
    return {};
  }
}

// The first "# " heading of the report.
std::string title_of(const std::string& markdown) {
  size_t at = 0;
  while (at < markdown.size()) {
    const size_t end = std::min(markdown.find('\n', at), markdown.size());
    if (markdown.compare(at, 2, "# ") == 0) return markdown.substr(at + 2, end - at - 2);
    at = end + 1;
  }
  return {};
}

}  // namespace

std::string markdown_to_html(std::string_view markdown) {
  static std::once_flag registered;
  std::call_once(registered, [] { cmark_gfm_core_extensions_ensure_registered(); });
  std::unique_ptr<cmark_parser, decltype(&cmark_parser_free)> parser(cmark_parser_new(CMARK_OPT_DEFAULT),
                                                                      &cmark_parser_free);
  if (cmark_syntax_extension* table = cmark_find_syntax_extension("table"))
    cmark_parser_attach_syntax_extension(parser.get(), table);
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  std::unique_ptr<cmark_node, decltype(&cmark_node_free)> doc(cmark_parser_finish(parser.get()), &cmark_node_free);
  // CMARK_OPT_DEFAULT is the safe mode: raw HTML becomes a comment, unsafe links empty.
  char* html = cmark_render_html(doc.get(), CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(parser.get()));
  std::string out = html ? html : "";
  free(html);  // cmark's default allocator is malloc
  return out;
}

json experiment_row(const FoundDir& found, const fs::path& dir) {
  json results = json::parse(read_bounded(dir / "results.json", size_t{16} << 20), nullptr, false);
  const std::string md = read_bounded(dir / "report.md", kReportLimit);
  return {{"id", found.id()},
          {"name", found.rel.empty() ? dir.filename().string() : found.rel},
          {"experiment", results.is_object() ? results.value("experiment", std::string()) : std::string()},
          {"title", title_of(md)}};
}

json experiment_detail(const FoundDir& found, const fs::path& dir) {
  json out = experiment_row(found, dir);
  out["html"] = markdown_to_html(read_bounded(dir / "report.md", kReportLimit));
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    if ((ext == ".png" || ext == ".csv") && it->is_regular_file(ec)) files.push_back(it->path().filename().string());
  }
  std::sort(files.begin(), files.end());
  out["files"] = files;
  return out;
}

}  // namespace nnlab::board
