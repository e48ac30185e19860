// nnlab models: the zoo with parameter counts and forward FLOPs for an input shape.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "checks.h"
#include "command.h"
#include "nnlab/zoo/zoo.h"
#include "parse.h"

namespace {

struct Options {
  std::string input = "3x32x32";
  int64_t classes = 10;
  bool json = false;
};

int run(const Options& o) {
  using namespace nnlab;
  if (o.classes < 1) cli::usage_error(fmt::format("--classes {}: give at least 1", o.classes));
  Shape image = cli::parse_shape("--input", o.input);
  if (image.size() != 3) cli::usage_error("--input '" + o.input + "': expected C x H x W, e.g. 1x28x28");
  nlohmann::json rows = nlohmann::json::array();
  if (!o.json) fmt::print("{:<9} {:<9} {:>12} {:>11}\n", "name", "input", "params", "MFLOP/img");
  for (const zoo::ModelInfo& info : zoo::models()) {
    zoo::ModelOptions mo;
    mo.name = info.name;
    mo.input = zoo::model_input_shape(info.name, image);
    mo.classes = o.classes;
    auto model = zoo::build(mo);
    const int64_t params = model->num_parameters();
    const int64_t flops = zoo::forward_flops(*model, mo.input);
    const std::string shape = fmt::format("{}x{}x{}", mo.input[0], mo.input[1], mo.input[2]);
    if (o.json) {
      rows.push_back({{"name", info.name}, {"input", shape}, {"params", params}, {"flops", flops}});
    } else {
      fmt::print("{:<9} {:<9} {:>12L} {:>11.3f}\n", info.name, shape, params, flops / 1e6);
    }
  }
  if (o.json) fmt::print("{}\n", rows.dump(1));
  return 0;
}

NNLAB_COMMAND("models", "List the model zoo: parameters and forward FLOPs per image", [](CLI::App& verb) {
  auto o = std::make_shared<Options>();
  verb.add_option("--input", o->input, "Image shape CxHxW (28x28 is padded to 32x32 for the 32x32-only models)")
      ->capture_default_str();
  verb.add_option("--classes", o->classes, "Number of classes")->capture_default_str()->check(nnlab::cli::positive());
  verb.add_flag("--json", o->json, "Print a JSON list of {name, input, params, flops}");
  return [o] { return run(*o); };
});

}  // namespace
