// Plots for reports: a figure of line, point and bar series with a title, axis labels, a
// legend and optional log axes, written as a PNG by gnuplot. Where gnuplot is not
// installed, the figure's data is written as CSV instead, and the result says so: the
// caller decides what to tell the user.
//
//   report::Figure fig;
//   fig.title = "Training loss";
//   fig.x.label = "epoch";
//   fig.y = {"loss", /*log=*/true};
//   fig.series.push_back({"train", {1, 2, 3}, {0.9, 0.5, 0.3}});
//   report::PlotOutput out = report::save_plot(fig, "runs/a/loss.png");
//   if (!out.is_png) ...  // out.path is the CSV, out.note says why
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nnlab::report {

enum class SeriesStyle { Lines, Points, LinesPoints, Steps, Bars };

struct Series {
  std::string label;  // legend entry; empty: not in the legend
  std::vector<double> x, y;
  SeriesStyle style = SeriesStyle::Lines;
  std::string color;  // "#1f77b4"; empty: gnuplot's next colour
};

struct Axis {
  std::string label;
  bool log = false;  // points ≤ 0 cannot be drawn on a log axis and are left out
  std::optional<double> min, max;
  std::vector<std::pair<double, std::string>> ticks;  // named ticks (bar charts); empty: automatic
};

struct Figure {
  std::string title;
  Axis x, y;
  std::vector<Series> series;
  int width = 900, height = 560;  // pixels
  std::string legend = "top right";  // gnuplot "set key" position, or "off"
};

struct PlotOptions {
  std::string gnuplot = "gnuplot";  // program name (looked up on PATH) or path
};

struct PlotOutput {
  bool is_png = false;
  std::filesystem::path path;  // the PNG, or the CSV written in its place
  std::string note;            // why there is no PNG (empty for a PNG)
};

// Writes the figure to png_path (directories created as needed). Without gnuplot, writes
// png_path with the extension .csv (columns series,x,y) and returns is_png = false.
// Throws IoError if the file cannot be written or gnuplot fails on it (naming the file and
// gnuplot's message), ConfigError for a figure whose series have unequal x and y lengths.
PlotOutput save_plot(const Figure& figure, const std::filesystem::path& png_path, const PlotOptions& options = {});

// The figure's data as CSV (series,x,y rows), as save_plot writes it without gnuplot.
std::string figure_csv(const Figure& figure);

// The gnuplot script for the figure (data inline), drawing with the given terminal.
std::string gnuplot_script(const Figure& figure, const std::filesystem::path& png_path, const std::string& terminal);

}  // namespace nnlab::report
