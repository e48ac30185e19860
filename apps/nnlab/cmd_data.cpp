// nnlab data: the datasets nnlab knows and where they are (list), and what one holds
// (inspect: counts, shapes, class balance, pixel statistics, a grid of images), and
// fetching one from where it is published (get, in download.cpp).
#include <fmt/core.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "checks.h"
#include "command.h"
#include "download.h"
#include "flag_text.h"
#include "nnlab/data/datasets.h"
#include "nnlab/data/inspect.h"
#include "nnlab/download/datasets.h"

namespace {

using nlohmann::json;
namespace data = nnlab::data;

struct ListFlags {
  std::string data_dir;
  bool json = false;
};

struct InspectFlags {
  data::LoadOptions load;
  std::string data_dir;
  std::string grid;
  int64_t grid_count = 64;
  bool json = false;
};

int run_list(const ListFlags& f) {
  json out = json::array();
  for (const auto& info : data::known_datasets()) {
    data::Location loc = data::locate_dataset(info.name, f.data_dir);
    json searched = json::array();
    for (const auto& d : loc.searched) searched.push_back(d.string());
    json files = json::array();
    for (const std::string& f : info.files) files.push_back(nnlab::cli::keys_as_flags(f));
    out.push_back({{"name", info.name},
                   {"description", info.description},
                   {"found", loc.dir.has_value()},
                   {"path", loc.dir ? json(loc.dir->string()) : json(nullptr)},
                   {"form", loc.dir ? json(loc.form) : json(nullptr)},
                   {"searched", searched},
                   {"files", files},
                   {"published", info.published}});
  }
  if (f.json) {
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  for (const auto& d : out) {
    if (d["found"].get<bool>())
      fmt::print("{:<14} {} ({})\n", d["name"].get<std::string>(), d["path"].get<std::string>(),
                 d["form"].get<std::string>());
    else if (const auto* source = nnlab::download::find_source(d["name"].get<std::string>()))
      // The address the download uses, which for MNIST is torchvision's mirror, not the page it was published on.
      fmt::print("{:<14} not found; `nnlab data get {}` downloads it from {}\n", d["name"].get<std::string>(),
                 d["name"].get<std::string>(),
                 source->base_url + (source->files.size() == 1 ? source->files.front().name : std::string()));
    else
      fmt::print("{:<14} not found; get it from {}\n", d["name"].get<std::string>(), d["published"].get<std::string>());
  }
  fmt::print("\nAlso: csv:PATH (a table with a header; --target COLUMN) and folder:PATH (PATH/CLASS/*.png|*.jpg).\n"
             "Searched, in order: --data-dir, $NNLAB_DATA/NAME, ~/.cache/nnlab/NAME, /usr/share/datasets/NAME.\n"
             "For CIFAR also ~/.keras/datasets and ./data (Keras's and torchvision's folders) before /usr/share.\n");
  return 0;
}

json summary_json(const data::SplitSummary& s) {
  return {{"count", s.count}, {"shape", s.shape}, {"label_histogram", s.label_histogram}, {"mean", s.mean}, {"std", s.std}};
}

std::string numbers(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += fmt::format("{}{:.4f}", s.empty() ? "" : " ", x);
  return s;
}

void print_split(const char* split, const data::Dataset& d, const data::SplitSummary& s) {
  fmt::print("{}: {} samples of {}\n", split, s.count, nnlab::shape_str(s.shape));
  if (d.is_image())
    fmt::print("  pixel mean {} std {} (per channel, in [0, 1])\n", numbers(s.mean), numbers(s.std));
  else if (s.mean.size() <= 16)
    fmt::print("  feature mean {}\n  feature std  {}\n", numbers(s.mean), numbers(s.std));
  for (size_t c = 0; c < s.label_histogram.size(); ++c)
    fmt::print("  {:>4} {:<24} {:>8}\n", c, d.class_names[c], s.label_histogram[c]);
}

int run_inspect(InspectFlags f) {
  f.load.data_dir = f.data_dir;
  data::Splits splits = data::load_dataset(f.load);
  const data::SplitSummary train = data::summarize(splits.train), test = data::summarize(splits.test);
  if (!f.grid.empty()) data::write_image_grid(splits.train, f.grid_count, f.grid);
  if (f.json) {
    json out = {{"dataset", f.load.name},
                {"source", splits.train.source},
                {"num_classes", splits.train.num_classes},
                {"class_names", splits.train.class_names},
                {"train", summary_json(train)},
                {"test", summary_json(test)}};
    if (!f.grid.empty()) out["grid"] = f.grid;
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{} ({}), {} classes\n", f.load.name, splits.train.source, splits.train.num_classes);
  print_split("train", splits.train, train);
  print_split("test", splits.test, test);
  if (!f.grid.empty()) fmt::print("grid of the first training images: {}\n", f.grid);
  return 0;
}

nnlab::cli::Runner setup(CLI::App& verb) {
  verb.require_subcommand(1);
  auto list = std::make_shared<ListFlags>();
  CLI::App* list_cmd = verb.add_subcommand("list", "The known datasets and where each was found, or where to get it");
  list_cmd->add_option("--data-dir", list->data_dir, "Directory searched first (itself and DIR/NAME)");
  list_cmd->add_flag("--json", list->json, "Print JSON for programs");

  auto inspect = std::make_shared<InspectFlags>();
  CLI::App* inspect_cmd =
      verb.add_subcommand("inspect", "Per split: count, sample shape, label histogram, per-channel mean and std");
  inspect_cmd->add_option("--dataset", inspect->load.name,
                          "mnist, fashion-mnist, cifar10, cifar100, svhn, breast-cancer, iris, wine, digits, "
                          "csv:PATH or folder:PATH")
      ->required();
  inspect_cmd->add_option("--data-dir", inspect->data_dir, "Directory searched first (itself and DIR/NAME)");
  inspect_cmd->add_flag("--svhn-extra", inspect->load.svhn_extra, "svhn: add extra_32x32.mat to the training split");
  inspect_cmd->add_flag("--coarse", inspect->load.cifar100_coarse, "cifar100: the 20 superclasses as labels");
  inspect_cmd->add_option("--target", inspect->load.target, "csv: the label column, by name or index (default: last)");
  inspect_cmd->add_option("--image-size", inspect->load.image_size, "folder: resize images to NxN (0: keep)")
      ->check(nnlab::cli::non_negative());
  inspect_cmd->add_option("--test-fraction", inspect->load.test_fraction,
                          "csv, tabular and unsplit folders: the share held out as the test split")
      ->check(CLI::Range(0.0, 1.0));
  inspect_cmd->add_option("--grid", inspect->grid, "Write a PNG of the first training images with their labels");
  inspect_cmd->add_option("--grid-count", inspect->grid_count, "Images in the grid")->check(nnlab::cli::positive());
  inspect_cmd->add_flag("--json", inspect->json, "Print JSON for programs");

  auto get = std::make_shared<nnlab::cli::GetRequest>();
  CLI::App* get_cmd = verb.add_subcommand(
      "get", "Download a dataset's published files into ~/.cache/nnlab/NAME, each checked against its published MD5");
  get_cmd->add_option("name", get->name, nnlab::download::downloadable_names())->required();
  get_cmd->add_option("--mirror", get->mirror,
                      "Another server holding the same files (URL/FILE is fetched; default $NNLAB_MIRROR, else the "
                      "publisher's)");
  get_cmd->add_option("--md5sums", get->md5sums,
                      "Check the sums of this md5sum listing instead of the published ones (a mirror that repacks "
                      "the files; default $NNLAB_MD5SUMS)");
  get_cmd->add_flag("--svhn-extra", get->svhn_extra, "svhn: extra_32x32.mat too (1.3 GB)");
  get_cmd->add_option("--data-dir", get->data_dir, "Download into DIR/NAME instead of ~/.cache/nnlab/NAME");

  return [list_cmd, list, inspect, get_cmd, get] {
    if (list_cmd->parsed()) return run_list(*list);
    if (get_cmd->parsed()) return nnlab::cli::get_dataset(*get);
    return run_inspect(*inspect);
  };
}

NNLAB_COMMAND("data", "List the known datasets, or inspect one", setup);

}  // namespace
