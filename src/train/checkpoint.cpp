#include "nnlab/train/checkpoint.h"

#include <fmt/format.h>

#include <cmath>

#include "nnlab/error.h"
#include "nnlab/io/safetensors.h"

namespace nnlab::train {

namespace {

const char* kStateKey = "nnlab.training_state";
const char* kInfoKey = "nnlab.weights";

nlohmann::json norm_to_json(const data::Normalization& n) { return {{"mean", n.mean}, {"std", n.std}}; }

data::Normalization norm_from_json(const nlohmann::json& j) {
  data::Normalization n;
  j.at("mean").get_to(n.mean);
  j.at("std").get_to(n.std);
  return n;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& file, nn::Module& model, const optim::Optimizer& optimizer,
                     const TrainingState& s) {
  StateDict tensors;
  for (const StateEntry& e : model.state_dict()) tensors.push_back({"model." + e.name, e.tensor, e.integer});
  optim::OptimizerState os = optimizer.state_dict();
  for (auto& [name, t] : os.tensors) tensors.push_back({"optimizer." + name, t, false});
  for (const StateEntry& e : s.averaged) tensors.push_back(e);
  nlohmann::json state{{"epochs_done", s.epochs_done},
                       {"best_epoch", s.best_epoch},
                       {"best_metric", s.best_metric},
                       {"epochs_since_best", s.epochs_since_best},
                       {"scheduler", s.scheduler},
                       {"optimizer", os.meta},
                       {"normalization", norm_to_json(s.normalization)},
                       {"average_updates", s.average_updates},
                       {"config", s.config},
                       {"history", nlohmann::json::array()},
                       {"generators", nlohmann::json::array()}};
  for (const EpochRecord& r : s.history) state["history"].push_back(r.to_json());
  for (const Generator::State& g : s.generators) state["generators"].push_back({g.seed, g.counter});
  io::save_safetensors(file, tensors, {{kStateKey, state.dump()}});
}

TrainingState load_checkpoint(const std::filesystem::path& file, nn::Module& model, optim::Optimizer& optimizer) {
  io::TensorFile f = io::load_safetensors(file);
  auto it = f.metadata.find(kStateKey);
  if (it == f.metadata.end())
    throw IoError(fmt::format("{} is not an nnlab checkpoint (no training state in its metadata)", file.string()));
  StateDict weights, averaged;
  optim::OptimizerState os;
  for (const StateEntry& e : f.tensors) {
    if (e.name.rfind("model.", 0) == 0) weights.push_back({e.name.substr(6), e.tensor, e.integer});
    else if (e.name.rfind("optimizer.", 0) == 0) os.tensors[e.name.substr(10)] = e.tensor;
    else if (e.name.rfind("ema.", 0) == 0) averaged.push_back(e);
  }
  TrainingState s;
  s.averaged = std::move(averaged);
  try {
    nlohmann::json state = nlohmann::json::parse(it->second);
    os.meta = state.at("optimizer");
    model.load_state_dict(weights, /*strict=*/true);
    optimizer.load_state_dict(os);
    s.epochs_done = state.at("epochs_done").get<int64_t>();
    s.best_epoch = state.at("best_epoch").get<int64_t>();
    s.best_metric = state.at("best_metric").get<double>();
    s.epochs_since_best = state.at("epochs_since_best").get<int64_t>();
    s.scheduler = state.at("scheduler");
    s.normalization = norm_from_json(state.at("normalization"));
    s.average_updates = state.value("average_updates", int64_t{0});
    s.config = state.value("config", nlohmann::json());
    for (auto& r : state.at("history")) s.history.push_back(EpochRecord::from_json(r));
    for (auto& g : state.at("generators")) s.generators.push_back({g.at(0).get<uint64_t>(), g.at(1).get<uint64_t>()});
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("{}: the training state in the checkpoint is corrupt ({})", file.string(), e.what()));
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", file.string(), e.what()));
  }
  return s;
}

CheckpointSummary peek_checkpoint(const std::filesystem::path& file) {
  const auto metadata = io::load_safetensors_metadata(file);
  auto it = metadata.find(kStateKey);
  if (it == metadata.end())
    throw IoError(fmt::format("{} is not an nnlab checkpoint (no training state in its metadata)", file.string()));
  try {
    const nlohmann::json state = nlohmann::json::parse(it->second);
    return {state.at("epochs_done").get<int64_t>(), state.value("config", nlohmann::json())};
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("{}: the training state in the checkpoint is corrupt ({})", file.string(), e.what()));
  }
}

void save_weights(const std::filesystem::path& file, const nn::Module& model, const WeightsInfo& info) {
  nlohmann::json j{{"normalization", norm_to_json(info.normalization)},
                   {"config", info.config},
                   {"input", info.input},
                   {"class_names", info.class_names}};
  io::save_safetensors(file, model.state_dict(), {{"format", "pt"}, {kInfoKey, j.dump()}});
}

WeightsFile load_weights(const std::filesystem::path& path) {
  std::filesystem::path file = path;
  if (std::filesystem::is_directory(path)) {
    file = path / "best.safetensors";
    if (!std::filesystem::exists(file)) file = path / "model.safetensors";
    if (!std::filesystem::exists(file))
      throw IoError(fmt::format("{} is a directory without best.safetensors or model.safetensors: give a run "
                                "directory of nnlab train or a .safetensors file",
                                path.string()));
  }
  io::TensorFile f = io::load_safetensors(file);
  // NaN or infinite weights give the same logits for every image (or none): refuse them
  // rather than report a chance-level accuracy as a result.
  for (const StateEntry& e : f.tensors) {
    const float* p = e.tensor.data();
    for (int64_t i = 0, n = e.tensor.numel(); i < n; ++i)
      if (!std::isfinite(p[i]))
        throw IoError(fmt::format("{}: tensor '{}' holds {} at index {}: these weights are not usable (did the run "
                                  "diverge? an earlier epoch's best.safetensors may be)",
                                  file.string(), e.name, p[i], i));
  }
  WeightsFile w;
  w.file = file;
  w.tensors = std::move(f.tensors);
  try {
    if (auto it = f.metadata.find(kInfoKey); it != f.metadata.end()) {
      nlohmann::json j = nlohmann::json::parse(it->second);
      WeightsInfo info;
      info.normalization = norm_from_json(j.at("normalization"));
      info.config = j.at("config");
      j.at("input").get_to(info.input);
      j.at("class_names").get_to(info.class_names);
      w.info = info;
    }
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("{}: corrupt nnlab metadata ({})", file.string(), e.what()));
  }
  return w;
}

}  // namespace nnlab::train
