// nnlab weights: what a .safetensors file holds, and whether it fits a zoo model.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "command.h"
#include "nnlab/io/safetensors.h"
#include "nnlab/zoo/zoo.h"
#include "parse.h"

namespace {

struct Options {
  std::string file;
  std::string model;
  std::string input = "3x32x32";
  int64_t classes = 10;
  bool json = false;
};

int run(const Options& o) {
  using namespace nnlab;
  io::TensorFile f = io::load_safetensors(o.file);
  int64_t total = 0;
  nlohmann::json tensors = nlohmann::json::array();
  for (const StateEntry& e : f.tensors) {
    total += e.integer ? 0 : e.tensor.numel();
    tensors.push_back({{"name", e.name}, {"shape", e.tensor.shape()}, {"dtype", e.integer ? "I64" : "float"}});
  }
  nlohmann::json out{{"file", o.file}, {"tensors", tensors}, {"float_elements", total}};
  if (!o.model.empty()) {
    zoo::ModelOptions mo;
    mo.name = o.model;
    mo.input = zoo::model_input_shape(o.model, cli::parse_shape("--input", o.input));
    mo.classes = o.classes;
    auto model = zoo::build(mo);
    model->load_state_dict(f.tensors, /*strict=*/true);  // throws, listing keys, if it does not fit
    out["model"] = o.model;
    out["fits"] = true;
  }
  if (o.json) {
    fmt::print("{}\n", out.dump(1));
    return 0;
  }
  for (const StateEntry& e : f.tensors)
    fmt::print("{:<40} {:<20} {}\n", e.name, shape_str(e.tensor.shape()), e.integer ? "I64" : "float");
  fmt::print("{} tensors, {} values\n", f.tensors.size(), total);
  if (!o.model.empty()) fmt::print("loads into {} ({}) with every key and shape matching\n", o.model, o.input);
  return 0;
}

NNLAB_COMMAND("weights", "Inspect a .safetensors file and check it fits a zoo model", [](CLI::App& verb) {
  auto o = std::make_shared<Options>();
  verb.add_option("file", o->file, "The .safetensors file")->required()->check(CLI::ExistingFile);
  verb.add_option("--model", o->model, "Check the file loads into this zoo model (strict key and shape match)");
  verb.add_option("--input", o->input, "The model's input shape CxHxW")->capture_default_str();
  verb.add_option("--classes", o->classes, "The model's number of classes")->capture_default_str();
  verb.add_flag("--json", o->json, "Print JSON");
  return [o] { return run(*o); };
});

}  // namespace
