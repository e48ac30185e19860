#include "train/thread_replicas.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <semaphore>
#include <thread>

#include "nnlab/backend.h"
#include "nnlab/error.h"
#include "nnlab/train/trainer.h"
#include "train/step_loss.h"

namespace nnlab::train {

// One thread per replica after the first; run(f) calls f(i) for every replica at once,
// f(0) on the caller's thread, and returns when all are done.
struct ThreadReplicas::Pool {
  explicit Pool(size_t workers) : start(workers) {
    for (size_t w = 0; w < workers; ++w)
      threads.emplace_back([this, w] {
        set_num_threads(1);  // this thread's own OpenMP setting: its ops run on it alone
        for (;;) {
          start[w].sem.acquire();
          if (stopping) return;
          job(w + 1);
          done.release();
        }
      });
  }
  ~Pool() {
    stopping = true;
    for (auto& s : start) s.sem.release();
    for (auto& t : threads) t.join();
  }
  void run(const std::function<void(size_t)>& f) {
    job = f;
    for (auto& s : start) s.sem.release();
    job(0);
    for (size_t w = 0; w < threads.size(); ++w) done.acquire();
  }
  struct Start {
    std::binary_semaphore sem{0};
  };
  std::vector<Start> start;
  std::counting_semaphore<> done{0};
  std::function<void(size_t)> job;
  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;
};

ThreadReplicas::ThreadReplicas(const TrainConfig& config, std::shared_ptr<nn::Module> model, const Shape& input,
                               int64_t num_classes, int count)
    : config_(config) {
  if (count < 2) throw ConfigError("ThreadReplicas needs at least 2 replicas");
  replicas_.push_back(std::move(model));
  const StateDict state = replicas_[0]->state_dict();
  for (int i = 1; i < count; ++i) {
    auto r = build_model(config, input, num_classes);
    r->load_state_dict(state);
    r->train();
    // Each replica draws its own dropout masks; the first keeps the run's streams, which
    // the checkpoint saves.
    for (auto& [name, g] : r->named_generators()) g->manual_seed(g->seed() ^ (0x9e3779b97f4a7c15ull * i));
    replicas_.push_back(std::move(r));
  }
  for (auto& r : replicas_) params_.push_back(r->parameters());
  shares_.resize(replicas_.size());
  pool_ = std::make_unique<Pool>(replicas_.size() - 1);
}

ThreadReplicas::~ThreadReplicas() = default;

void ThreadReplicas::run_share(size_t i) {
  Share& s = shares_[i];
  s.error = nullptr;
  try {
    if (i > 0)
      for (const Tensor& p : params_[i]) p.zero_grad();
    if (s.x.size(0) == 0) {
      s.loss = 0;
      s.out = Tensor();
      return;
    }
    s.out = (*replicas_[i])(s.x);
    Tensor loss = training_loss(config_, s.out, s.y);
    s.loss = loss.item();
    loss.backward();
  } catch (...) {
    s.error = std::current_exception();
  }
}

double ThreadReplicas::forward_backward(const data::Batch& batch, ClassificationMetrics& running) {
  const int64_t n = batch.x.size(0), k = static_cast<int64_t>(replicas_.size());
  // Shares as even as the batch allows, the first ones one larger.
  int64_t begin = 0;
  for (int64_t i = 0; i < k; ++i) {
    const int64_t size = n / k + (i < n % k ? 1 : 0);
    Share& s = shares_[static_cast<size_t>(i)];
    s.x = batch.x.slice(begin, begin + size);
    s.y.assign(batch.y.begin() + begin, batch.y.begin() + begin + size);
    begin += size;
  }
  const int threads = num_threads();
  set_num_threads(1);
  pool_->run([this](size_t i) { run_share(i); });
  set_num_threads(threads);
  for (const Share& s : shares_)
    if (s.error) std::rethrow_exception(s.error);

  // The batch's mean loss is the shares' means weighted by their sizes, and so is its
  // gradient. Each replica adds its slice of the parameters, in replica order.
  std::vector<float> weight(shares_.size());
  double loss = 0;
  for (size_t i = 0; i < shares_.size(); ++i) {
    weight[i] = static_cast<float>(shares_[i].x.size(0)) / static_cast<float>(n);
    loss += static_cast<double>(weight[i]) * shares_[i].loss;
  }
  std::vector<Tensor>& first = params_[0];
  for (const Tensor& p : first)
    if (!p.grad().defined()) p.set_grad(Tensor::zeros(p.shape()));
  const size_t parts = shares_.size();
  pool_->run([&](size_t part) {
    // Every thread its own range of each parameter's elements: the sum of an element is
    // always taken in replica order, whoever adds it.
    for (size_t j = 0; j < first.size(); ++j) {
      const int64_t m = first[j].numel();
      const int64_t lo = m * static_cast<int64_t>(part) / static_cast<int64_t>(parts);
      const int64_t hi = m * static_cast<int64_t>(part + 1) / static_cast<int64_t>(parts);
      float* acc = first[j].grad().data();
      for (int64_t e = lo; e < hi; ++e) acc[e] *= weight[0];
      for (size_t i = 1; i < parts; ++i) {
        const Tensor g = params_[i][j].grad();
        if (!g.defined()) continue;
        const float* src = g.data();
        const float w = weight[i];
        for (int64_t e = lo; e < hi; ++e) acc[e] += w * src[e];
      }
    }
  });
  for (const Share& s : shares_)
    if (s.out.defined()) running.update(metric_logits(config_, s.out), s.y, s.loss);
  return loss;
}

void ThreadReplicas::broadcast_weights() {
  pool_->run([this](size_t i) {
    if (i == 0) return;
    for (size_t j = 0; j < params_[0].size(); ++j) {
      const Tensor& src = params_[0][j];
      std::copy_n(src.data(), src.numel(), params_[i][j].data());
      params_[i][j].bump_version();
    }
  });
}

}  // namespace nnlab::train
