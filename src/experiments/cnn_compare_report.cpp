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
         images_per_second = NAN, peak_rss = NAN;
};

Row row_of(const json& m, int64_t train_images) {
  Row r;
  r.model = m.at("model").get<std::string>();
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
  r.train_seconds = number(s, "train_seconds");
  // Training images per second of training passes: the images of every epoch over their time.
  const double epochs = static_cast<double>(m.at("history").size());
  r.images_per_second = epochs * static_cast<double>(train_images) / r.train_seconds;
  return r;
}

rp::Figure curves(const json& models, const std::string& metric, const std::string& title, const std::string& ylabel,
                  bool log) {
  rp::Figure f;
  f.title = title;
  f.x.label = "epoch";
  f.y.label = ylabel;
  f.y.log = log;
  f.legend = "outside right top vertical";
  size_t k = 0;
  double last_epoch = 0;
  for (const json& m : models) {
    rp::Series s{m.at("model").get<std::string>(), {}, {}, rp::SeriesStyle::LinesPoints, kColors[k++ % 6]};
    if (m.contains("history"))
      for (const json& e : m.at("history")) {
        s.x.push_back(number(e, "epoch"));
        s.y.push_back(number(e, metric));
        last_epoch = std::max(last_epoch, s.x.back());
      }
    f.series.push_back(s);
  }
  for (int e = 1; e <= static_cast<int>(last_epoch); ++e) f.x.ticks.emplace_back(e, std::to_string(e));  // whole epochs
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

}  // namespace

void render_cnn_compare(const json& results, rp::Document& doc) {
  auto& md = doc.md();
  const json& choice = results.at("dataset");
  const json& b = results.at("budget");
  const json& models = results.at("models");
  const bool fallback = choice.at("fallback").get<bool>();
  md.heading(1, fallback ? "Six CNNs under one budget on Fashion-MNIST (SVHN not found)"
                         : "Six CNNs under one budget on SVHN");
  md.paragraph(dataset_note(choice));
  md.paragraph(fmt::format("Data as the trainer prepared it: {}.", results.at("data_summary").get<std::string>()));

  std::vector<Row> rows;
  for (const json& m : models) rows.push_back(row_of(m, b.at("train_subset").get<int64_t>()));
  render_findings(rows, md);

  md.heading(2, "The budget");
  md.bullets({
      fmt::format("The same {} training images for every model (a stratified subset, seed {}), no validation split, "
                  "no augmentation, normalised with the training subset's per-channel mean and standard deviation.",
                  b.at("train_subset").get<int64_t>(), b.at("seed").get<uint64_t>()),
      fmt::format("{} epoch{} of batch {}, Adam with learning rate {} and no schedule, the same seed for "
                  "initialisation and shuffling.",
                  b.at("epochs").get<int64_t>(), b.at("epochs").get<int64_t>() == 1 ? "" : "s",
                  b.at("batch_size").get<int64_t>(), rp::significant(number(b, "lr"))),
      fmt::format("Evaluated after every epoch on the same {} test images (a stratified subset, the same for every "
                  "model); 28×28 images are zero-padded to 32×32 for the models that take only 32×32 (all but "
                  "LeNet-5), as the trainer does.",
                  b.at("test_subset").get<int64_t>()),
      fmt::format("Each model trains in its own `nnlab train` process, one after another, with {}.",
                  b.at("threads").get<int>() == 0   ? std::string("every core")
                  : b.at("threads").get<int>() == 1 ? std::string("1 compute thread")
                                                    : fmt::format("{} compute threads", b.at("threads").get<int>())),
  });

  md.heading(2, "Results");
  rp::Table t{{"model", "train accuracy", "test accuracy", "parameters", "FLOPs / image", "training time", "images/s",
               "peak memory", "above LeNet-5"},
              {rp::Align::Left, rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right,
               rp::Align::Right, rp::Align::Right, rp::Align::Right, rp::Align::Right},
              {}};
  double base_rss = NAN;
  for (const Row& r : rows)
    if (r.model == "lenet5") base_rss = r.peak_rss;
  for (const Row& r : rows)
    t.rows.push_back({r.model, r.failed ? "failed" : rp::percent(r.train_accuracy, 2), rp::percent(r.test_accuracy, 2),
                      rp::si(r.parameters), rp::si(r.flops), rp::seconds(r.train_seconds),
                      rp::fixed(r.images_per_second, 1), rp::bytes(r.peak_rss),
                      r.model == "lenet5" ? "-" : rp::bytes(r.peak_rss - base_rss)});
  md.table(t);
  md.paragraph(fmt::format(
      "Train accuracy: the running mean over the last epoch in training mode, as the trainer logs it (with dropout "
      "active for AlexNet). Test accuracy: after the last epoch. FLOPs: 2 × the multiply-adds of the convolution and "
      "fully connected layers for one image, forward. Training time: the training passes only (evaluation excluded); "
      "images/s: training images per second of those passes. Peak memory: the largest resident set of the model's "
      "`nnlab train` process (ru_maxrss from wait4), which includes the program and the dataset held in memory, so "
      "LeNet-5's tiny model makes it a baseline; the last column is the excess over it.{}",
      b.contains("eval_batch_size")
          ? fmt::format(" The trainer evaluates in batches of {} images, so the peak includes the activations of a "
                        "forward pass over that many.",
                        b.at("eval_batch_size").get<int64_t>())
          : std::string()));
  md.heading(2, "Learning curves");
  doc.figure(curves(models, "test_accuracy", "Test accuracy per epoch, all models", "test accuracy", false),
             "test-accuracy.png");
  doc.figure(curves(models, "train_loss", "Training loss per epoch, all models", "training loss (log scale)", true),
             "train-loss.png");
}

}  // namespace nnlab::experiments
