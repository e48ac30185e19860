// Document: a report being written into a directory, its Markdown text and its figures
// side by side. A figure is saved with report::save_plot and embedded as an image; where
// gnuplot is missing it becomes a CSV file, the report links it and says why, and the
// report opens with one note that says how to get the PNGs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "nnlab/report/markdown.h"
#include "nnlab/report/plot.h"

namespace nnlab::report {

class Document {
 public:
  Document(std::filesystem::path dir, PlotOptions options = {});

  Markdown& md() { return md_; }

  // Saves `figure` as dir/file (a PNG name such as "loss.png") and embeds it with the
  // figure's title as its alternative text, followed by the caption (if any).
  void figure(const Figure& figure, const std::string& file, const std::string& caption = "");

  const std::filesystem::path& dir() const { return dir_; }
  const std::vector<PlotOutput>& plots() const { return plots_; }
  bool all_png() const;

  // The report: a note on the missing PNGs (when some figure fell back to CSV) before the
  // first heading's section, then the text.
  std::string text() const;
  // Writes text() to dir/file atomically; returns its path.
  std::filesystem::path write(const std::string& file = "report.md") const;

 private:
  std::filesystem::path dir_;
  PlotOptions options_;
  Markdown md_;
  std::vector<PlotOutput> plots_;
};

}  // namespace nnlab::report
