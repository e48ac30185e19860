// cnn-compare, the report: the table, the curves and every sentence with a number in it
// are computed here from results.json (cnn_compare.cpp writes it).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "experiments/dataset_choice.h"
#include "experiments/json_util.h"
#include "experiments/registry.h"
#include "nnlab/report/format.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;
namespace rp = report;

const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

// One model's row, as numbers (NaN where the run failed).
struct Row {
  std::string model;
  bool failed = false;
  double train_accuracy = NAN, test_accuracy = NAN, parameters = NAN, flops = NAN, train_seconds = NAN,
         images_per_second = NAN, peak_rss = NAN, epochs = NAN, train_images = NAN;
};

Row row_of(const json& m, int64_t set_size) {
  Row r;
  r.model = m.at("model").get<std::string>();
  // The images of each epoch: the plan's (a time budget may give a slow model a subset).
  const double train_images =
      m.contains("plan") ? number(m.at("plan"), "train_images") : static_cast<double>(set_size);
  r.train_images = train_images;
  r.parameters = number(m.at("counts"), "parameters");
  r.flops = number(m.at("counts"), "flops");
  r.peak_rss = number(m, "peak_rss_bytes");
  if (m.contains("failed")) {
    r.failed = true;
    return r;
  }
  const json& s = m.at("summary");
  r.train_accuracy = number(s, "train_accuracy");
  r.test_accuracy = number(s, "test_accuracy");
  // The sum of the epochs' training passes, across sessions when the run was resumed.
  r.train_seconds = m.contains("train_seconds") ? number(m, "train_seconds") : number(s, "train_seconds");
  // Training images per second of training passes: the images of every epoch over their time.
  const double epochs = static_cast<double>(m.at("history").size());
  r.epochs = epochs;
  r.images_per_second = epochs * train_images / r.train_seconds;
  return r;
}

// Each epoch's metric against the training time so far (training passes only, the budget's clock).
std::pair<std::vector<double>, std::vector<double>> against_time(const json& m, const std::string& metric) {
  std::vector<double> x, y;
  if (!m.contains("history")) return {x, y};
  double t = 0;
  for (const json& e : m.at("history")) {
    t += number(e, "train_seconds");
    x.push_back(t);
    y.push_back(number(e, metric));
  }
  return {x, y};
}

rp::Figure curves(const json& models, const std::string& metric, const std::string& title, const std::string& ylabel,
                  bool log) {
  rp::Figure f;
  f.title = title;
  f.y.label = ylabel;
  f.y.log = log;
  f.legend = "outside right top vertical";
  size_t k = 0;
  double shortest = INFINITY, longest = 0;
  for (const json& m : models) {
    auto [x, y] = against_time(m, metric);
    if (!x.empty()) {
      shortest = std::min(shortest, x.back());
      longest = std::max(longest, x.back());
    }
    f.series.push_back({m.at("model").get<std::string>(), x, y, rp::SeriesStyle::LinesPoints, kColors[k++ % 6]});
  }
  // Under an epoch budget the runs' lengths differ by orders of magnitude; a log axis shows each.
  f.x.log = longest > 20 * shortest;
  f.x.label = f.x.log ? "training time, s (log scale)" : "training time, s";
  return f;
}

// The model with the largest (or smallest) value of a field among the runs that finished.
const Row* extreme(const std::vector<Row>& rows, double Row::*field, bool largest) {
  const Row* best = nullptr;
  for (const Row& r : rows) {
    if (!std::isfinite(r.*field)) continue;
    if (!best || (largest ? r.*field > best->*field : r.*field < best->*field)) best = &r;
  }
  return best;
}

void render_findings(const std::vector<Row>& rows, rp::Markdown& md) {
  std::vector<std::string> lines;
  if (const Row* r = extreme(rows, &Row::test_accuracy, true)) {
    const Row* worst = extreme(rows, &Row::test_accuracy, false);
    lines.push_back(fmt::format("Highest test accuracy under this budget: {} ({}); lowest: {} ({}).", r->model,
                                rp::percent(r->test_accuracy, 2), worst->model, rp::percent(worst->test_accuracy, 2)));
  }
  if (const Row* r = extreme(rows, &Row::images_per_second, true)) {
    const Row* slow = extreme(rows, &Row::images_per_second, false);
    lines.push_back(fmt::format("Fastest to train: {} ({} images/s); slowest: {} ({} images/s), {} slower.", r->model,
                                rp::fixed(r->images_per_second, 0), slow->model, rp::fixed(slow->images_per_second, 1),
                                rp::ratio(r->images_per_second / slow->images_per_second)));
  }
  if (const Row* r = extreme(rows, &Row::parameters, true)) {
    const Row* f = extreme(rows, &Row::flops, true);
    lines.push_back(fmt::format("Most parameters: {} ({}); most computation: {} ({}FLOPs per image, forward).",
                                r->model, rp::si(r->parameters), f->model, rp::si(f->flops)));
  }
  if (const Row* r = extreme(rows, &Row::peak_rss, true)) {
    const Row* low = extreme(rows, &Row::peak_rss, false);
    lines.push_back(fmt::format("Peak memory from {} ({}) to {} ({}).", low->model, rp::bytes(low->peak_rss), r->model,
                                rp::bytes(r->peak_rss)));
  }
  for (const Row& r : rows)
    if (r.failed)
      lines.push_back(fmt::format("{} failed; see its line in the table and logs/{}.log.", r.model, r.model));
  md.heading(2, "Findings").bullets(lines);
}

std::string augmentation_text(const json& recipe) {
  std::vector<std::string> parts;
  if (recipe.value("crop", int64_t{0}) > 0) parts.push_back(fmt::format("crop ±{}", recipe.at("crop").get<int64_t>()));
  if (recipe.value("flip_images", false)) parts.push_back("flip");
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", "));
}

std::string optimizer_text(const json& r) {
  std::string s = fmt::format("{} lr {}", r.at("optimizer").get<std::string>(), rp::significant(number(r, "lr")));
  if (r.contains("momentum"))
    s += fmt::format(", momentum {}{}", rp::significant(number(r, "momentum")), r.value("nesterov", false) ? " (Nesterov)" : "");
  s += fmt::format(", decay {}", rp::significant(number(r, "weight_decay")));
  return s;
}

std::string schedule_text(const json& r) {
  const std::string name = r.at("schedule");
  if (name == "onecycle")
    return fmt::format("one-cycle cosine per batch, {} warm-up", rp::percent(number(r, "pct_start"), 0));
  if (name == "cosine") return "cosine per epoch";
  if (name == "none") return "constant";
  return name;
}

void render_budget(const json& results, const std::vector<Row>& rows, rp::Markdown& md) {
  const json& b = results.at("budget");
  const json& models = results.at("models");
  const bool quick = b.value("quick", false);
  const int threads = b.at("threads").get<int>();
  const std::string cores = threads == 0 ? std::string("every core")
                            : threads == 1 ? std::string("1 compute thread")
                                           : fmt::format("{} compute threads", threads);
  md.heading(2, "The budget");
  std::vector<std::string> lines;
  const int64_t set = b.at("train_subset").get<int64_t>();
  if (b.at("kind") == "epochs") {
    const int64_t e = b.at("epochs").get<int64_t>();
    lines.push_back(fmt::format("Equal epochs (`--budget {}`): {} epoch{} for every model over the same {} training "
                                "images, whatever each one costs.",
                                b.at("text").get<std::string>(), e, e == 1 ? "" : "s", set));
  } else {
    lines.push_back(fmt::format(
        "Equal training time (`--budget {}`): {} of training passes per model (evaluation not counted). The trainer "
        "runs whole epochs under a schedule that must know the run's length, so each model's speed is measured first "
        "(two short epochs of its recipe, the second timed, in calibration/MODEL) and the budget becomes whole "
        "epochs over the {} training images when they fill at least 90 % of it; otherwise ceil(T / {}) epochs over a "
        "stratified subset of T / epochs images, T being the images the budget passes over at that speed, so that "
        "the run fills the budget, its schedule ends with it and it stops at an epoch boundary. A slower model "
        "thus sees fewer images in the same time: that is the cost an equal-time budget measures.",
        b.at("text").get<std::string>(), rp::seconds(number(b, "seconds")), set, set));
  }
  lines.push_back(fmt::format(
      "Data: no validation split (nothing is tuned), normalised with the training images' per-channel mean and "
      "standard deviation; evaluated after every epoch on the same {} test images{}; 28×28 images are zero-padded to "
      "32×32 for the models that take only 32×32 (all but LeNet-5), as the trainer does; seed {} for initialisation, "
      "shuffling and augmentation.",
      b.at("test_subset").get<int64_t>(), b.at("test_subset").get<int64_t>() < 10000 ? " (a stratified subset)" : "",
      b.at("seed").get<uint64_t>()));
  const std::string launcher = b.value("launcher", std::string());
  lines.push_back(fmt::format("Each model trains in its own `nnlab train` process and run directory (runs/MODEL), "
                              "one after another, with {}{}.",
                              cores, launcher.empty() ? std::string() : fmt::format(", under `{}`", launcher)));
  if (quick)
    lines.push_back("The quick run: the same plain Adam (lr 0.001, no schedule, no augmentation, batch 32) for every "
                    "model, a smoke test and no comparison.");
  md.bullets(lines);

  md.heading(2, "Each model's recipe");
  rp::Table t{{"model", "optimizer", "batch", "schedule", "augmentation", "averaged weights", "epochs",
               "images / epoch", "training time", "why"},
              {rp::Align::Left, rp::Align::Left, rp::Align::Right, rp::Align::Left, rp::Align::Left, rp::Align::Right,
               rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Left},
              {}};
  for (size_t i = 0; i < models.size(); ++i) {
    const json& m = models[i];
    const json& r = m.at("recipe");
    const double ema = number(r, "ema");
    std::string planned = "-";
    if (m.contains("plan") && m.at("plan").contains("planned_seconds"))
      planned = fmt::format("{} (planned {})", rp::seconds(rows[i].train_seconds),
                            rp::seconds(number(m.at("plan"), "planned_seconds")));
    else
      planned = rp::seconds(rows[i].train_seconds);
    t.rows.push_back({m.at("model").get<std::string>(), optimizer_text(r),
                      std::to_string(r.at("batch_size").get<int64_t>()), schedule_text(r), augmentation_text(r),
                      ema > 0 ? rp::significant(ema) : "no", m.contains("plan") ? rp::fixed(number(m.at("plan"), "epochs"), 0) : "-",
                      rp::fixed(rows[i].train_images, 0), planned, r.value("why", std::string("-"))});
  }
  md.table(t);
}

}  // namespace

void render_cnn_compare(const json& results, rp::Document& doc) {
  auto& md = doc.md();
  const json& choice = results.at("dataset");
  const json& b = results.at("budget");
  const json& models = results.at("models");
  const bool fallback = choice.at("fallback").get<bool>();
  const std::string kind = b.value("kind", std::string("epochs")) == "time" ? "equal training time" : "one budget";
  md.heading(1, fallback ? fmt::format("Six CNNs under {} on Fashion-MNIST (SVHN not found)", kind)
                         : fmt::format("Six CNNs under {} on SVHN", kind));
  md.paragraph(dataset_note(choice));
  md.paragraph(fmt::format("Data as the trainer prepared it: {}.", results.at("data_summary").get<std::string>()));

  std::vector<Row> rows;
  for (const json& m : models) rows.push_back(row_of(m, b.at("train_subset").get<int64_t>()));
  render_findings(rows, md);
  render_budget(results, rows, md);

  md.heading(2, "Results");
  rp::Table t{{"model", "train accuracy", "test accuracy", "parameters", "FLOPs / image", "training time", "images/s",
               "peak memory", "above LeNet-5", "epochs", "run"},
              {rp::Align::Left, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right,
               rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Left},
              {}};
  double base_rss = NAN;
  for (const Row& r : rows)
    if (r.model == "lenet5") base_rss = r.peak_rss;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    t.rows.push_back({r.model, r.failed ? "failed" : rp::percent(r.train_accuracy, 2), rp::percent(r.test_accuracy, 2),
                      rp::si(r.parameters), rp::si(r.flops), rp::seconds(r.train_seconds),
                      rp::fixed(r.images_per_second, 1), rp::bytes(r.peak_rss),
                      r.model == "lenet5" ? "-" : rp::bytes(r.peak_rss - base_rss), rp::fixed(r.epochs, 0),
                      fmt::format("{} ({})", models[i].value("run_dir", std::string("-")),
                                  models[i].value("status", std::string("-")))});
  }
  md.table(t);
  for (const json& m : models)
    if (m.contains("failed"))
      md.paragraph(fmt::format("{} failed: {}", m.at("model").get<std::string>(), m.at("failed").get<std::string>()));
  md.paragraph(fmt::format(
      "Train accuracy: the running mean over the last epoch in training mode, as the trainer logs it (with dropout "
      "active for AlexNet). Test accuracy: after the last epoch. FLOPs: 2 × the multiply-adds of the convolution and "
      "fully connected layers for one image, forward. Training time: the training passes only (evaluation excluded), "
      "summed over the epochs of the run's metrics.jsonl (across sessions for a resumed run); images/s: training "
      "images per second of those passes. Peak memory: the largest resident set of the model's `nnlab train` process "
      "(ru_maxrss from wait4; under a launcher, of the launcher's process tree on this host, ranks on other hosts not "
      "counted; for a resumed run, of its last session), which includes the program and the dataset held in memory, "
      "so LeNet-5's tiny model makes it a baseline; the last column is the excess over it.{} Run: the model's run "
      "directory, and whether this session trained it, resumed it from its checkpoint, or found it finished by an "
      "earlier one (`--resume`).",
      b.contains("eval_batch_size")
          ? fmt::format(" The trainer evaluates in batches of {} images, so the peak includes the activations of a "
                        "forward pass over that many.",
                        b.at("eval_batch_size").get<int64_t>())
          : std::string()));
  md.heading(2, "Test accuracy against training time");
  doc.figure(curves(models, "test_accuracy", "Test accuracy against training time, all models", "test accuracy",
                    false),
             "test-accuracy.png", "One point per epoch, at the training time (training passes only) when it ended.");
  doc.figure(curves(models, "train_loss", "Training loss against training time, all models",
                    "training loss (log scale)", true),
             "train-loss.png");
}

}  // namespace nnlab::experiments
