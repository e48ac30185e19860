#include "nnlab/report/document.h"

#include <fmt/format.h>

#include <algorithm>

#include "nnlab/io/atomic_file.h"

namespace nnlab::report {

namespace fs = std::filesystem;

Document::Document(fs::path dir, PlotOptions options) : dir_(std::move(dir)), options_(std::move(options)) {}

void Document::figure(const Figure& figure, const std::string& file, const std::string& caption) {
  PlotOutput out = save_plot(figure, dir_ / file, options_);
  const std::string name = out.path.filename().string();
  if (out.is_png) {
    md_.image(figure.title, name);
  } else {
    md_.paragraph(fmt::format("*{}*: no PNG ({}); the data is in [{}]({}).", escape_text(figure.title),
                              escape_text(out.note), escape_text(name), link_target(name)));
  }
  if (!caption.empty()) md_.paragraph(caption);
  plots_.push_back(std::move(out));
}

bool Document::all_png() const {
  return std::all_of(plots_.begin(), plots_.end(), [](const PlotOutput& p) { return p.is_png; });
}

std::string Document::text() const {
  const std::string& body = md_.str();
  if (all_png()) return body;
  const size_t csv =
      static_cast<size_t>(std::count_if(plots_.begin(), plots_.end(), [](const PlotOutput& p) { return !p.is_png; }));
  const std::string note = fmt::format(
      "> **Plots as CSV.** gnuplot was not found, so {} of the {} plots of this report are CSV files (columns "
      "series, x, y) beside it instead of PNG images. Install gnuplot (Debian: `apt install gnuplot-nox`) and run "
      "`nnlab experiment render {}` to draw them from results.json.\n\n",
      csv, plots_.size(), dir_.string());
  // After the title (the first block) when the report starts with one, else first.
  if (body.rfind("# ", 0) == 0) {
    size_t end = body.find("\n\n");
    if (end != std::string::npos) return body.substr(0, end + 2) + note + body.substr(end + 2);
  }
  return note + body;
}

fs::path Document::write(const std::string& file) const {
  fs::path path = dir_ / file;
  io::write_file_atomic(path, text());
  return path;
}

}  // namespace nnlab::report
