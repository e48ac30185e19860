#include "nnlab/nn/module.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <set>

#include "nnlab/error.h"

namespace nnlab::nn {

namespace {

std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

}  // namespace

Tensor Module::operator()(const Tensor& x) {
  Tensor y = forward(x);
  for (auto& [id, hook] : hooks_) hook(*this, x, y);
  return y;
}

int Module::add_forward_hook(ForwardHook hook) {
  hooks_.emplace_back(next_hook_, std::move(hook));
  return next_hook_++;
}

void Module::remove_forward_hook(int id) {
  std::erase_if(hooks_, [id](auto& h) { return h.first == id; });
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  value.requires_grad_(true);
  params_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value, bool integer) {
  buffers_.push_back({name, value, integer});
  return value;
}

Tensor& Module::buffer(const std::string& name) {
  for (StateEntry& e : buffers_)
    if (e.name == name) return e.tensor;
  throw Error(fmt::format("{} has no buffer '{}'", type_name(), name));
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  // Depth-first in registration order, the same walk as state_dict().
  std::function<void(const std::string&, const Module&)> walk = [&](const std::string& prefix, const Module& m) {
    for (auto& [n, t] : m.params_) out.emplace_back(join_name(prefix, n), t);
    for (auto& [n, c] : m.children_) walk(join_name(prefix, n), *c);
  };
  walk("", *this);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  std::function<void(const std::string&, const Module&)> walk = [&](const std::string& prefix, const Module& m) {
    for (const StateEntry& e : m.buffers_) out.emplace_back(join_name(prefix, e.name), e.tensor);
    for (auto& [n, c] : m.children_) walk(join_name(prefix, n), *c);
  };
  walk("", *this);
  return out;
}

std::vector<std::pair<std::string, ModulePtr>> Module::named_modules() const {
  std::vector<std::pair<std::string, ModulePtr>> out;
  std::function<void(const std::string&, const Module&)> walk = [&](const std::string& prefix, const Module& m) {
    for (auto& [n, c] : m.children_) {
      out.emplace_back(join_name(prefix, n), c);
      walk(join_name(prefix, n), *c);
    }
  };
  walk("", *this);
  return out;
}

std::vector<std::pair<std::string, Generator*>> Module::named_generators() {
  std::vector<std::pair<std::string, Generator*>> out;
  std::function<void(const std::string&, Module&)> walk = [&](const std::string& prefix, Module& m) {
    for (auto& [n, g] : m.generators_) out.emplace_back(join_name(prefix, n), g);
    for (auto& [n, c] : m.children_) walk(join_name(prefix, n), *c);
  };
  walk("", *this);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const Tensor& p : parameters()) n += p.numel();
  return n;
}

void Module::collect_state(const std::string& prefix, StateDict& out) const {
  for (auto& [n, t] : params_) out.push_back({join_name(prefix, n), t, false});
  for (const StateEntry& e : buffers_) out.push_back({join_name(prefix, e.name), e.tensor, e.integer});
  for (auto& [n, c] : children_) c->collect_state(join_name(prefix, n), out);
}

StateDict Module::state_dict() const {
  StateDict out;
  collect_state("", out);
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  StateDict mine = state_dict();
  std::map<std::string, const StateEntry*> given;
  for (const StateEntry& e : state) given[e.name] = &e;
  std::vector<std::string> missing, mismatched, unexpected;
  std::set<std::string> known;
  for (const StateEntry& e : mine) {
    known.insert(e.name);
    auto it = given.find(e.name);
    if (it == given.end()) {
      missing.push_back(e.name);
    } else if (it->second->tensor.shape() != e.tensor.shape()) {
      mismatched.push_back(fmt::format("{} (model {}, file {})", e.name, shape_str(e.tensor.shape()),
                                       shape_str(it->second->tensor.shape())));
    }
  }
  for (const StateEntry& e : state)
    if (!known.count(e.name)) unexpected.push_back(e.name);
  if (!mismatched.empty() || (strict && (!missing.empty() || !unexpected.empty()))) {
    std::string msg = "the weights do not fit this " + type_name() + ":";
    auto list = [](const std::vector<std::string>& v) {
      const size_t shown = std::min<size_t>(v.size(), 12);
      std::string s = fmt::format("{}", fmt::join(v.begin(), v.begin() + static_cast<long>(shown), ", "));
      if (v.size() > shown) s += fmt::format(", ... ({} more)", v.size() - shown);
      return s;
    };
    if (!missing.empty()) msg += fmt::format(" missing keys: {};", list(missing));
    if (!unexpected.empty()) msg += fmt::format(" unexpected keys: {};", list(unexpected));
    if (!mismatched.empty()) msg += fmt::format(" shape mismatches: {};", list(mismatched));
    msg.back() = '.';
    msg += " Check that the model name and its options (input shape, classes, hidden sizes) match the weights.";
    throw ConfigError(msg);
  }
  for (const StateEntry& e : mine) {
    auto it = given.find(e.name);
    if (it != given.end()) e.tensor.copy_(it->second->tensor);
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
  for (const Tensor& p : parameters()) p.zero_grad();
}

void Module::repr_into(std::string& out, int indent) const {
  out += type_name() + "(";
  std::string extra = extra_repr();
  if (children_.empty()) {
    out += extra + ")";
    return;
  }
  out += extra + "\n";
  const std::string pad(indent + 2, ' ');
  for (auto& [n, c] : children_) {
    out += pad + "(" + n + "): ";
    c->repr_into(out, indent + 2);
    out += "\n";
  }
  out += std::string(indent, ' ') + ")";
}

std::string Module::repr() const {
  std::string out;
  repr_into(out, 0);
  return out;
}

}  // namespace nnlab::nn
