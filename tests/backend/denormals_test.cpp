// Subnormals are flushed (nnlab/backend.h: flush_denormals, called by every main) in the
// main thread and in the threads started after it: OpenMP's workers and plain threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <thread>
#include <vector>

namespace {

// volatile: the product must be computed at run time, under the thread's control register.
float tiny_product() {
  volatile float a = 1e-30f, b = 1e-10f;
  return a * b;  // 1e-40: subnormal, unless flushed
}

}  // namespace

TEST(Denormals, AreFlushedInTheMainThreadOpenMpWorkersAndNewThreads) {
  EXPECT_EQ(tiny_product(), 0.0f);
  std::vector<float> per_thread(2, 1.0f);
#pragma omp parallel num_threads(2)
  per_thread[static_cast<size_t>(omp_get_thread_num())] = tiny_product();
  EXPECT_EQ(per_thread[0], 0.0f);
  EXPECT_EQ(per_thread[1], 0.0f) << "an OpenMP worker computes subnormals";
  float from_thread = 1.0f;
  std::thread([&] { from_thread = tiny_product(); }).join();
  EXPECT_EQ(from_thread, 0.0f);
  // Inputs that are already subnormal count as zero too (DAZ).
  volatile float sub = 1e-40f;
  EXPECT_EQ(sub * 1e30f, 0.0f);
}
