#include "nnlab/nn/sequential.h"

#include "nnlab/error.h"

namespace nnlab::nn {

Sequential::Sequential(std::vector<ModulePtr> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(ModulePtr module) { register_module(std::to_string(size()), std::move(module)); }

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& [name, m] : children()) h = (*m)(h);
  return h;
}

void ModuleList::push_back(ModulePtr module) { register_module(std::to_string(size()), std::move(module)); }

Tensor ModuleList::forward(const Tensor&) {
  throw Error("a ModuleList has no forward(): call its modules from the parent module");
}

}  // namespace nnlab::nn
