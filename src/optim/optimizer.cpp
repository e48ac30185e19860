#include "nnlab/optim/optimizer.h"

#include <charconv>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/tensor.h"

namespace nnlab::optim {

namespace detail {

std::vector<std::vector<Tensor>> group_param_lists(const std::vector<ParamGroup>& groups) {
  std::vector<std::vector<Tensor>> lists;
  for (const ParamGroup& g : groups) lists.push_back(g.params);
  return lists;
}

}  // namespace detail

Optimizer::Optimizer(const std::vector<std::vector<Tensor>>& groups) : group_params_(groups) {
  std::set<const TensorImpl*> seen;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const Tensor& p : groups[g]) {
      if (!p.defined()) throw ConfigError(fmt::format("optimizer: parameter group {} holds an undefined tensor", g));
      if (!p.is_contiguous())
        throw ConfigError(fmt::format("optimizer: parameter {} in group {} is not contiguous", slots_.size(), g));
      if (!seen.insert(p.impl()).second)
        throw ConfigError("optimizer: a parameter appears more than once (in one group or in two groups)");
      slots_.push_back(Slot{p, g, 0, false, {}});
    }
  }
  if (slots_.empty()) throw ConfigError("optimizer: got an empty parameter list");
}

const std::vector<Tensor>& Optimizer::params(size_t group) const { return group_params_.at(group); }

double Optimizer::momentum(size_t) const {
  throw ConfigError(fmt::format("{}: has no momentum coefficient to read or cycle", name()));
}

void Optimizer::set_momentum(size_t, double) {
  throw ConfigError(fmt::format("{}: has no momentum coefficient to set or cycle", name()));
}

void Optimizer::step() {
  for (Slot& s : slots_) {
    Tensor grad = s.param.grad();
    if (!grad.defined()) continue;
    if (!grad.is_contiguous()) grad = grad.contiguous();
    if (!s.has_state) {
      s.buffers.resize(buffer_names().size());
      init_state(s);
      s.has_state = true;
    }
    ++s.step;
    update(s, grad.data());
    s.param.bump_version();
  }
}

void Optimizer::zero_grad() {
  for (Slot& s : slots_) s.param.zero_grad();
}

OptimizerState Optimizer::state_dict() const {
  OptimizerState out;
  nlohmann::json groups = nlohmann::json::array();
  size_t index = 0;
  for (size_t g = 0; g < num_groups(); ++g) {
    nlohmann::json j = group_options(g);
    j["params"] = nlohmann::json::array();
    for (size_t k = 0; k < group_params_[g].size(); ++k) j["params"].push_back(index++);
    groups.push_back(std::move(j));
  }
  nlohmann::json state = nlohmann::json::object();
  std::span<const std::string_view> names = buffer_names();
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    if (!s.has_state) continue;
    state[std::to_string(i)] = {{"step", s.step}};
    for (size_t b = 0; b < s.buffers.size(); ++b)
      if (s.buffers[b].defined()) out.tensors[fmt::format("state.{}.{}", i, names[b])] = s.buffers[b].clone();
  }
  out.meta = {{"optimizer", std::string(name())}, {"param_groups", std::move(groups)}, {"state", std::move(state)}};
  return out;
}

namespace {

// "state.<index>.<buffer>" → (index, buffer); nullopt for anything else.
std::optional<std::pair<size_t, std::string>> parse_state_key(const std::string& key) {
  constexpr std::string_view prefix = "state.";
  if (key.rfind(prefix, 0) != 0) return std::nullopt;
  size_t dot = key.find('.', prefix.size());
  if (dot == std::string::npos) return std::nullopt;
  size_t index = 0;
  const char* first = key.data() + prefix.size();
  const char* last = key.data() + dot;
  auto [end, ec] = std::from_chars(first, last, index);
  if (ec != std::errc() || end != last || first == last) return std::nullopt;
  return std::make_pair(index, key.substr(dot + 1));
}

}  // namespace

void Optimizer::load_state_dict(const OptimizerState& saved) {
  const nlohmann::json& meta = saved.meta;
  std::string kind = meta.is_object() && meta.contains("optimizer") && meta["optimizer"].is_string()
                         ? meta["optimizer"].get<std::string>()
                         : "";
  if (kind != name())
    throw ConfigError(fmt::format("{}: cannot load optimizer state saved by '{}'", name(), kind));
  if (!meta.contains("param_groups") || !meta["param_groups"].is_array() ||
      meta["param_groups"].size() != num_groups())
    throw ConfigError(fmt::format("{}: saved state has {} parameter groups, this optimizer has {}", name(),
                                  meta.contains("param_groups") ? meta["param_groups"].size() : 0, num_groups()));
  if (!meta.contains("state") || !meta["state"].is_object())
    throw ConfigError(fmt::format("{}: saved state has no 'state' object", name()));
  size_t index = 0;
  for (size_t g = 0; g < num_groups(); ++g) {
    const nlohmann::json& group = meta["param_groups"][g];
    nlohmann::json expected = nlohmann::json::array();
    for (size_t k = 0; k < group_params_[g].size(); ++k) expected.push_back(index++);
    if (!group.is_object() || !group.contains("params") || group["params"] != expected)
      throw ConfigError(fmt::format("{}: saved parameter group {} does not hold the same parameters ({} expected)",
                                    name(), g, expected.dump()));
  }

  // Build the new per-parameter state aside, so that a mismatch leaves this optimizer as it was.
  std::vector<Slot> slots = slots_;
  for (Slot& s : slots) s = Slot{s.param, s.group, 0, false, std::vector<Tensor>(buffer_names().size())};
  for (const auto& [key, value] : meta["state"].items()) {
    size_t i = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), i);
    if (ec != std::errc() || end != key.data() + key.size() || i >= slots.size())
      throw ConfigError(fmt::format("{}: saved state names parameter '{}', which does not exist", name(), key));
    slots[i].has_state = true;
    slots[i].step = value.contains("step") && value["step"].is_number_integer() ? value["step"].get<int64_t>() : -1;
    if (slots[i].step < 0) throw ConfigError(fmt::format("{}: saved state of parameter {} has no step count", name(), i));
  }
  std::span<const std::string_view> names = buffer_names();
  for (const auto& [key, tensor] : saved.tensors) {
    auto parsed = parse_state_key(key);
    size_t b = names.size();
    if (parsed)
      for (size_t k = 0; k < names.size(); ++k)
        if (names[k] == parsed->second) b = k;
    if (!parsed || parsed->first >= slots.size() || b == names.size())
      throw ConfigError(fmt::format("{}: unexpected state tensor '{}'", name(), key));
    Slot& s = slots[parsed->first];
    if (!s.has_state) throw ConfigError(fmt::format("{}: state tensor '{}' for a parameter without state", name(), key));
    if (!tensor.defined() || tensor.shape() != s.param.shape())
      throw ConfigError(fmt::format("{}: state tensor '{}' has shape {}, its parameter {}", name(), key,
                                    tensor.defined() ? shape_str(tensor.shape()) : "undefined",
                                    shape_str(s.param.shape())));
    s.buffers[b] = tensor.contiguous().clone();
  }

  std::vector<nlohmann::json> previous;
  for (size_t g = 0; g < num_groups(); ++g) previous.push_back(group_options(g));
  try {
    for (size_t g = 0; g < num_groups(); ++g) {
      nlohmann::json options = meta["param_groups"][g];
      options.erase("params");
      set_group_options(g, options);
    }
    // Every buffer a first update creates (under the loaded options) must have been saved.
    for (size_t i = 0; i < slots.size(); ++i) {
      if (!slots[i].has_state) continue;
      Slot probe{slots[i].param, slots[i].group, 0, false, std::vector<Tensor>(names.size())};
      init_state(probe);
      for (size_t b = 0; b < names.size(); ++b)
        if (probe.buffers[b].defined() && !slots[i].buffers[b].defined())
          throw ConfigError(fmt::format("{}: saved state lacks tensor 'state.{}.{}'", name(), i, names[b]));
    }
  } catch (...) {
    for (size_t g = 0; g < num_groups(); ++g) set_group_options(g, previous[g]);
    throw;
  }
  slots_ = std::move(slots);
}

}  // namespace nnlab::optim
