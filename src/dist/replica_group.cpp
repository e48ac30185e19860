#include "nnlab/dist/replica_group.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifdef NNLAB_WITH_MPI
#include <mpi.h>
#endif

namespace nnlab::dist {

namespace {

// The size mpirun gave this process; 1 when it was not started by mpirun.
int launched_size() {
  // OpenMPI's launcher sets it (the build links OpenMPI); other launchers are not detected.
  const char* s = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (!s) return 1;
  char* end = nullptr;
  const long n = std::strtol(s, &end, 10);
  return end != s && n > 1 ? static_cast<int>(n) : 1;
}

std::string this_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string out;
  for (int r : ranks) out += (out.empty() ? "" : ", ") + std::to_string(r);
  return (ranks.size() == 1 ? "rank " : "ranks ") + out;
}

#ifdef NNLAB_WITH_MPI
void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(fmt::format("{} failed: {} (another rank may have stopped; see its message)", call, text));
}
#endif

}  // namespace

// Marks this rank as waiting in a collective for the watchdog, for the guard's lifetime.
class CollectiveWait {
 public:
  CollectiveWait(const ReplicaGroup& group, const char* call) : group_(group) {
    group_.waiting_in_ = call;
    group_.waiting_since_ns_ = now_ns();
  }
  ~CollectiveWait() { group_.waiting_since_ns_ = 0; }
  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  CollectiveWait(const CollectiveWait&) = delete;
  CollectiveWait& operator=(const CollectiveWait&) = delete;

 private:
  const ReplicaGroup& group_;
};

void ReplicaGroup::watch() {
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int64_t since = waiting_since_ns_;
    if (since == 0) continue;
    const double waited = static_cast<double>(CollectiveWait::now_ns() - since) * 1e-9;
    if (waited <= timeout_seconds_) continue;
    // No MPI call here (only the main thread calls MPI): this process ends, and mpirun,
    // seeing a rank exit non-zero, stops the others.
    std::fprintf(stderr,
                 "nnlab: rank %d on %s: no answer from the other ranks for %.0f s in %s (a rank is hung, stopped "
                 "or cut off from this host); stopping the job (--dist-timeout sets this bound)\n",
                 rank_, host_.c_str(), waited, waiting_in_.load());
    std::fflush(stderr);
    std::_Exit(1);
  }
}

ReplicaGroup& ReplicaGroup::world() {
  static ReplicaGroup group;
  return group;
}

ReplicaGroup::ReplicaGroup() : host_(this_host()) {
  const int n = launched_size();
  if (n <= 1) return;
#ifdef NNLAB_WITH_MPI
  int provided = 0;
  // Only the main thread calls MPI (the data workers and the OpenMP team never do).
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw Error("MPI_Init failed: check the mpirun line (see docs/distributed.md)");
  initialised_ = true;
  // Errors come back as codes (thrown as Error) instead of aborting inside the library.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  watchdog_ = std::thread([this] { watch(); });
#else
  throw Error(fmt::format("started by mpirun with {} ranks, but this nnlab was built without MPI: install "
                          "libopenmpi-dev and rebuild (cmake -DNNLAB_MPI=ON)",
                          n));
#endif
}

ReplicaGroup::~ReplicaGroup() {
  stopping_ = true;
  if (watchdog_.joinable()) watchdog_.join();
#ifdef NNLAB_WITH_MPI
  int finalized = 0;
  if (initialised_ && MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) MPI_Finalize();
#endif
}

void ReplicaGroup::broadcast(const std::vector<Tensor>& tensors) const {
  if (!distributed()) return;
#ifdef NNLAB_WITH_MPI
  for (const Tensor& t : tensors) {
    if (!t.is_contiguous()) throw Error("broadcast: a model tensor is not contiguous");
    const CollectiveWait wait(*this, "MPI_Bcast");
    check(MPI_Bcast(t.data(), static_cast<int>(t.numel()), MPI_FLOAT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  }
#endif
}

float ReplicaGroup::average_gradients(const std::vector<Tensor>& params, float local) const {
  if (!distributed()) return local;
#ifdef NNLAB_WITH_MPI
  const auto t0 = std::chrono::steady_clock::now();
  const auto capacity =
      static_cast<size_t>(std::max<int64_t>(bucket_bytes_ / static_cast<int64_t>(sizeof(float)), 1));
  std::vector<Tensor> grads;
  grads.reserve(params.size());
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) {
      g = Tensor::zeros(p.shape());
      p.set_grad(g);
    }
    if (!g.is_contiguous()) throw Error("gradient all-reduce: a gradient is not contiguous");
    grads.push_back(g);
  }
  const float scale = 1.0f / static_cast<float>(size_);
  std::vector<float> bucket;
  bucket.reserve(std::min(capacity, static_cast<size_t>(1) << 20) + 1);
  size_t first = 0;  // the first gradient in the bucket
  const auto flush = [&](size_t end) {
    const CollectiveWait wait(*this, "the gradient all-reduce");
    check(MPI_Allreduce(MPI_IN_PLACE, bucket.data(), static_cast<int>(bucket.size()), MPI_FLOAT, MPI_SUM,
                        MPI_COMM_WORLD),
          "MPI_Allreduce");
    size_t offset = 0;
    for (size_t j = first; j < end; ++j) {
      float* dst = grads[j].data();
      const auto m = static_cast<size_t>(grads[j].numel());
      for (size_t k = 0; k < m; ++k) dst[k] = bucket[offset + k] * scale;
      offset += m;
    }
    first = end;
  };
  for (size_t i = 0; i < grads.size(); ++i) {
    const auto n = static_cast<size_t>(grads[i].numel());
    if (!bucket.empty() && bucket.size() + n > capacity) {
      flush(i);
      bucket.clear();
    }
    const float* src = grads[i].data();
    bucket.insert(bucket.end(), src, src + n);
  }
  bucket.push_back(local);
  flush(grads.size());
  const float mean_local = bucket.back() * scale;
  gradient_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return mean_local;
#else
  return local;
#endif
}

void ReplicaGroup::sum(std::span<double> values, const char* what) const {
  if (!distributed() || values.empty()) return;
#ifdef NNLAB_WITH_MPI
  const CollectiveWait wait(*this, what);
  check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                      MPI_COMM_WORLD),
        "MPI_Allreduce");
#endif
}

void ReplicaGroup::check_start(const StartFacts& mine) const {
  if (!distributed()) return;
#ifdef NNLAB_WITH_MPI
  const uint64_t sent[3] = {mine.failed ? 1u : 0u, mine.config, mine.data};
  std::vector<uint64_t> all(3 * static_cast<size_t>(size_));
  {
    const CollectiveWait wait(*this, "the start-up check");
    check(MPI_Allgather(sent, 3, MPI_UINT64_T, all.data(), 3, MPI_UINT64_T, MPI_COMM_WORLD), "MPI_Allgather");
  }
  if (mine.failed) return;  // the caller throws its own error
  std::vector<int> failed, config, data;
  for (int r = 0; r < size_; ++r) {
    const uint64_t* f = &all[3 * static_cast<size_t>(r)];
    if (f[0]) failed.push_back(r);
    else if (f[1] != all[1]) config.push_back(r);
    else if (f[2] != all[2]) data.push_back(r);
  }
  if (!failed.empty())
    throw Error(fmt::format("{} could not start (its message says why); every rank stops", rank_list(failed)));
  if (all[0]) return;  // unreachable: rank 0 is in `failed`
  if (!config.empty())
    throw ConfigError(fmt::format("{} of {} started with a different configuration (flags, --config file, or the "
                                  "checkpoint it resumes) than rank 0: give every rank the same command line and run "
                                  "directory",
                                  rank_list(config), size_));
  if (!data.empty())
    throw ConfigError(fmt::format("{} of {} read a different dataset than rank 0 (sizes or samples differ): give "
                                  "every host the same data files",
                                  rank_list(data), size_));
#endif
}

void ReplicaGroup::check_identical(uint64_t hash, const std::string& what) const {
  if (!distributed()) return;
#ifdef NNLAB_WITH_MPI
  std::vector<uint64_t> all(static_cast<size_t>(size_));
  const CollectiveWait wait(*this, "the weight check");
  check(MPI_Allgather(&hash, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD), "MPI_Allgather");
  std::vector<int> differ;
  for (int r = 1; r < size_; ++r)
    if (all[static_cast<size_t>(r)] != all[0]) differ.push_back(r);
  if (!differ.empty())
    throw Error(fmt::format("{}: {} differ from rank 0; please report this as a bug", what, rank_list(differ)));
#endif
}

void ReplicaGroup::abort(const std::string& message) const {
  std::fprintf(stderr, "nnlab: rank %d on %s: %s\n", rank_, host_.c_str(), message.c_str());
  std::fflush(stderr);
#ifdef NNLAB_WITH_MPI
  if (initialised_) MPI_Abort(MPI_COMM_WORLD, 1);
#endif
  std::_Exit(1);
}

}  // namespace nnlab::dist
