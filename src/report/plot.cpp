#include "nnlab/report/plot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <sstream>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

extern char** environ;

namespace nnlab::report {

namespace {

// A gnuplot single-quoted string: '' stands for a quote; one line.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "''";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out + "'";
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

bool drawable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

std::string style_of(const Series& s) {
  switch (s.style) {
    case SeriesStyle::Lines: return "lines lw 2";
    case SeriesStyle::Points: return "points pt 7 ps 0.8";
    case SeriesStyle::LinesPoints: return "linespoints lw 2 pt 7 ps 0.6";
    case SeriesStyle::Steps: return "steps lw 2";
    case SeriesStyle::Bars: return "boxes";
  }
  return "lines";
}

std::optional<std::string> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// Runs `gnuplot script`, its stderr into err_file; returns the exit status (−1: not run).
int run_gnuplot(const std::string& program, const std::string& script, const std::string& err_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string arg0 = program, arg1 = script;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void check_figure(const Figure& figure) {
  for (auto& s : figure.series)
    if (s.x.size() != s.y.size())
      throw ConfigError(fmt::format("plot '{}': series '{}' has {} x values and {} y values", figure.title, s.label,
                                    s.x.size(), s.y.size()));
}

}  // namespace

std::string figure_csv(const Figure& figure) {
  std::string out = "series,x,y\n";
  for (auto& s : figure.series)
    for (size_t i = 0; i < s.x.size(); ++i) out += fmt::format("{},{},{}\n", csv_field(s.label), s.x[i], s.y[i]);
  return out;
}

std::string gnuplot_script(const Figure& figure, const std::filesystem::path& png_path, const std::string& terminal) {
  std::string g;
  // noenhanced: names like weight_decay are shown as written, not as subscripts.
  g += fmt::format("set terminal {} size {},{} noenhanced font 'sans,10'\n", terminal, figure.width, figure.height);
  g += fmt::format("set output {}\n", quoted(png_path.string()));
  g += fmt::format("set title {}\nset xlabel {}\nset ylabel {}\n", quoted(figure.title), quoted(figure.x.label),
                   quoted(figure.y.label));
  g += "set grid\nset style fill solid 0.75 noborder\nset boxwidth 0.6\n";
  g += figure.legend == "off" ? "unset key\n" : fmt::format("set key {} opaque\n", figure.legend);
  for (auto [axis, name] : {std::pair{&figure.x, "x"}, std::pair{&figure.y, "y"}}) {
    if (axis->log) g += fmt::format("set logscale {}\n", name);
    if (axis->min || axis->max)
      g += fmt::format("set {}range [{}:{}]\n", name, axis->min ? fmt::format("{}", *axis->min) : "*",
                       axis->max ? fmt::format("{}", *axis->max) : "*");
    if (!axis->ticks.empty()) {
      std::string ticks;
      for (auto& [at, label] : axis->ticks) ticks += fmt::format("{}{} {}", ticks.empty() ? "" : ", ", quoted(label), at);
      g += fmt::format("set {}tics ({}){}\n", name, ticks, std::string(name) == "x" ? " rotate by -30" : "");
    }
  }
  std::vector<std::string> plots;
  for (size_t i = 0; i < figure.series.size(); ++i) {
    const Series& s = figure.series[i];
    std::string block = fmt::format("$d{} << EOD\n", i);
    size_t points = 0;
    for (size_t k = 0; k < s.x.size(); ++k) {
      if (!drawable(s.x[k], figure.x.log) || !drawable(s.y[k], figure.y.log)) continue;
      block += fmt::format("{} {}\n", s.x[k], s.y[k]);
      ++points;
    }
    if (points == 0) continue;
    g += block + "EOD\n";
    std::string color = s.color.empty() ? "" : fmt::format(" lc rgb {}", quoted(s.color));
    plots.push_back(fmt::format("$d{} using 1:2 with {}{} {}", i, style_of(s), color,
                                s.label.empty() ? "notitle" : "title " + quoted(s.label)));
  }
  if (plots.empty()) {
    g += "set label 'no data to show' at graph 0.5, 0.5 center\nunset key\n";
    g += "set xrange [0:1]\nset yrange [0:1]\nunset logscale\nplot -1 notitle\n";
  } else {
    std::string joined;
    for (auto& p : plots) joined += (joined.empty() ? "" : ", \\\n     ") + p;
    g += "plot " + joined + "\n";
  }
  return g;
}

PlotOutput save_plot(const Figure& figure, const std::filesystem::path& png_path, const PlotOptions& options) {
  check_figure(figure);
  if (png_path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(png_path.parent_path(), ec);
    if (ec) throw IoError(fmt::format("cannot create directory {}: {}", png_path.parent_path().string(), ec.message()));
  }
  std::optional<std::string> program = find_program(options.gnuplot);
  if (!program) {
    std::filesystem::path csv = png_path;
    csv.replace_extension(".csv");
    io::write_file_atomic(csv, figure_csv(figure));
    return {false, csv, fmt::format("{} was not found (install gnuplot-nox for PNG plots); wrote the data as CSV",
                                    options.gnuplot)};
  }
  // gnuplot draws into a temporary file that replaces the PNG only once complete.
  const std::string tmp = png_path.string() + ".tmp.png", script = png_path.string() + ".gp",
                    err = png_path.string() + ".err";
  std::string message;
  for (std::string terminal : {"pngcairo", "png"}) {  // pngcairo draws better; plain png where cairo is missing
    io::write_file_atomic(script, gnuplot_script(figure, tmp, terminal));
    int rc = run_gnuplot(*program, script, err);
    std::error_code ec;
    message = std::filesystem::exists(err) ? io::read_file(err) : "";
    std::filesystem::remove(script, ec);
    std::filesystem::remove(err, ec);
    if (rc == 0 && std::filesystem::exists(tmp) && std::filesystem::file_size(tmp) > 0) {
      std::filesystem::rename(tmp, png_path, ec);
      if (ec) throw IoError(fmt::format("cannot write {}: {}", png_path.string(), ec.message()));
      return {true, png_path, ""};
    }
    std::filesystem::remove(tmp, ec);
    if (rc == -1) message = fmt::format("cannot run {}", *program);
    if (message.find("terminal") == std::string::npos) break;  // not a missing terminal: retrying won't help
  }
  throw IoError(fmt::format("gnuplot could not draw {}: {}", png_path.string(), message));
}

}  // namespace nnlab::report
