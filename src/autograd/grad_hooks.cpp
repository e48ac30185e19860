#include "autograd/grad_hooks.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "nnlab/autograd_hooks.h"
#include "nnlab/error.h"

namespace nnlab::autograd {

namespace {

struct Entry {
  int64_t id;
  // Weak, and compared on use: a leaf freed without its handle must not hand its hook to a
  // new tensor that happens to get the same address.
  std::weak_ptr<TensorImpl> leaf;
  const TensorImpl* key;
  std::function<void(const Tensor&)> hook;
};

// Trials may train in several threads at once, each with its own hooks.
std::mutex table_mutex;
std::vector<Entry> table;
std::atomic<size_t> table_size{0};
std::atomic<int64_t> next_id{1};

}  // namespace

PostAccumulateHook::PostAccumulateHook(const Tensor& leaf, std::function<void(const Tensor&)> hook) {
  if (!leaf.defined() || !leaf.is_leaf())
    throw Error("a post-accumulate-grad hook goes on a leaf tensor (a parameter), not on an op's output");
  id_ = next_id.fetch_add(1);
  const std::lock_guard lock(table_mutex);
  table.push_back({id_, leaf.impl_ptr(), leaf.impl(), std::move(hook)});
  table_size = table.size();
}

PostAccumulateHook::~PostAccumulateHook() {
  if (id_ == 0) return;
  const std::lock_guard lock(table_mutex);
  std::erase_if(table, [this](const Entry& e) { return e.id == id_; });
  table_size = table.size();
}

PostAccumulateHook& PostAccumulateHook::operator=(PostAccumulateHook&& other) noexcept {
  if (this != &other) {
    PostAccumulateHook gone(std::move(*this));
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

void run_post_accumulate_hooks(const std::shared_ptr<TensorImpl>& leaf) {
  if (table_size.load(std::memory_order_acquire) == 0) return;
  std::vector<std::function<void(const Tensor&)>> due;
  {
    const std::lock_guard lock(table_mutex);
    for (const Entry& e : table)
      if (e.key == leaf.get() && e.leaf.lock() == leaf) due.push_back(e.hook);
  }
  // Outside the lock: a hook may itself register or drop hooks.
  const Tensor t(leaf);
  for (auto& hook : due) hook(t);
}

}  // namespace nnlab::autograd
