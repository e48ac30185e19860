#include "nnlab/dist/gradient_reducer.h"

#include <algorithm>
#include <chrono>

#include "dist/collective.h"
#include "dist/collective_wait.h"
#include "nnlab/error.h"

namespace nnlab::dist {

struct GradientReducer::Requests {
#ifdef NNLAB_WITH_MPI
  std::vector<MPI_Request> of_bucket;
#endif
};

GradientReducer::GradientReducer(const ReplicaGroup& group, std::vector<Tensor> params)
    : group_(group), params_(std::move(params)), requests_(std::make_unique<Requests>()) {
  if (!group_.distributed()) return;
  const auto capacity = static_cast<size_t>(std::max<int64_t>(group_.bucket_bytes() / int64_t{sizeof(float)}, 1));
  bucket_of_.resize(params_.size());
  offset_of_.resize(params_.size());
  arrived_.assign(params_.size(), false);
  // Reverse order: the last layers' gradients are the first backward finishes. A
  // gradient larger than a bucket gets one of its own. The first bucket is at most 1 MB
  // (as DDP's), so that sending starts early in backward even when the whole model would
  // fit in one bucket.
  const size_t first_capacity = std::min<size_t>(capacity, (1 << 20) / sizeof(float));
  size_t filled = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const auto n = static_cast<size_t>(params_[k].numel());
    const size_t cap = buckets_.size() <= 1 ? first_capacity : capacity;
    if (buckets_.empty() || (filled > 0 && filled + n > cap)) {
      buckets_.emplace_back();
      filled = 0;
    }
    Bucket& b = buckets_.back();
    bucket_of_[k] = buckets_.size() - 1;
    offset_of_[k] = filled;
    b.params.push_back(k);
    filled += n;
    b.data.resize(filled);
  }
  if (buckets_.empty()) buckets_.emplace_back();
  buckets_[0].data.push_back(0.0f);  // the loss's slot
#ifdef NNLAB_WITH_MPI
  requests_->of_bucket.assign(buckets_.size(), MPI_REQUEST_NULL);
#endif
  hooks_.reserve(params_.size());
  for (size_t k = 0; k < params_.size(); ++k)
    if (params_[k].requires_grad())
      hooks_.emplace_back(params_[k], [this, k](const Tensor&) { arrived(k); });
}

GradientReducer::~GradientReducer() {
  hooks_.clear();
#ifdef NNLAB_WITH_MPI
  // A step abandoned by an exception: its requests are not left to MPI_Finalize.
  for (MPI_Request& r : requests_->of_bucket)
    if (r != MPI_REQUEST_NULL) {
      MPI_Cancel(&r);
      MPI_Request_free(&r);
    }
#endif
}

void GradientReducer::begin(float local) {
  local_ = local;
  if (!group_.distributed()) return;
  if (open_) throw Error("GradientReducer::begin: the previous step was not finished");
  open_ = true;
  next_to_start_ = 0;
  std::fill(arrived_.begin(), arrived_.end(), false);
  for (Bucket& b : buckets_) b.missing = b.params.size();
  buckets_[0].data.back() = local;
}

void GradientReducer::arrived(size_t k) {
  if (!open_ || arrived_[k]) return;  // a backward outside a step, or a second one in it
  const Tensor g = params_[k].grad();
  if (!g.defined()) return;
  pack(k, g);
  start_ready();
  poll();
}

void GradientReducer::pack(size_t k, const Tensor& grad) {
  const Tensor c = grad.contiguous();
  Bucket& b = buckets_[bucket_of_[k]];
  std::copy_n(c.data(), c.numel(), b.data.data() + offset_of_[k]);
  arrived_[k] = true;
  --b.missing;
}

void GradientReducer::start_ready() {
  while (next_to_start_ < buckets_.size() && buckets_[next_to_start_].missing == 0) start(buckets_[next_to_start_++]);
}

void GradientReducer::start(Bucket& b) {
#ifdef NNLAB_WITH_MPI
  const size_t i = static_cast<size_t>(&b - buckets_.data());
  check(MPI_Iallreduce(MPI_IN_PLACE, b.data.data(), static_cast<int>(b.data.size()), MPI_FLOAT, MPI_SUM,
                       MPI_COMM_WORLD, &requests_->of_bucket[i]),
        "MPI_Iallreduce");
#endif
}

void GradientReducer::poll() {
#ifdef NNLAB_WITH_MPI
  // OpenMPI moves nonblocking collectives on only inside MPI calls: one test per hook.
  int done = 0;
  check(MPI_Testall(static_cast<int>(next_to_start_), requests_->of_bucket.data(), &done, MPI_STATUSES_IGNORE),
        "MPI_Testall");
#endif
}

float GradientReducer::finish() {
  if (!group_.distributed()) return local_;
  if (!open_) throw Error("GradientReducer::finish without begin");
  // What backward did not reach: a parameter left out of this step's graph averages a zero
  // gradient (or the one it holds), as the others expect the same buckets from every rank.
  for (size_t k = 0; k < params_.size(); ++k) {
    if (arrived_[k]) continue;
    Tensor g = params_[k].grad();
    if (!g.defined()) {
      g = Tensor::zeros(params_[k].shape());
      params_[k].set_grad(g);
    }
    pack(k, g);
  }
  start_ready();
  const auto t0 = std::chrono::steady_clock::now();
#ifdef NNLAB_WITH_MPI
  complete(group_, requests_->of_bucket, "the gradient all-reduce");
#endif
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  open_ = false;
  const float scale = 1.0f / static_cast<float>(group_.size());
  for (size_t k = 0; k < params_.size(); ++k) {
    Tensor g = params_[k].grad();
    if (!g.is_contiguous()) {
      g = g.contiguous();
      params_[k].set_grad(g);
    }
    const float* src = buckets_[bucket_of_[k]].data.data() + offset_of_[k];
    float* dst = g.data();
    for (int64_t j = 0; j < g.numel(); ++j) dst[j] = src[j] * scale;
    g.bump_version();
  }
  return buckets_[0].data.back() * scale;
}

}  // namespace nnlab::dist
