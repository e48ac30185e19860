// Per-call scratch memory (backend/cpu/scratch.h): what is held at once never overlaps, and
// once nothing is held the thread keeps one buffer of the most held at once, which then
// serves the same calls again without growing.
#include <gtest/gtest.h>

#include <thread>

#include "backend/cpu/scratch.h"

using nnlab::cpu::Scratch;
using nnlab::cpu::scratch_floats_kept;

namespace {

// Two nested holds, as a convolution's blocked input, output and scratchpad are.
void one_call(size_t a, size_t b, float*& pa, float*& pb) {
  Scratch first(a), second(b);
  pa = first.data(), pb = second.data();
  for (size_t i = 0; i < a; ++i) pa[i] = 1.0f;
  for (size_t i = 0; i < b; ++i) pb[i] = 2.0f;
  for (size_t i = 0; i < a; ++i) ASSERT_EQ(pa[i], 1.0f) << "the second hold overwrote the first at " << i;
}

TEST(Scratch, HoldsDoNotOverlapAndTheBufferGrowsToTheMostHeldAtOnce) {
  std::thread([] {  // a fresh thread: a fresh buffer
    EXPECT_EQ(scratch_floats_kept(), 0u);
    float *a1 = nullptr, *b1 = nullptr, *a2 = nullptr, *b2 = nullptr;
    one_call(1000, 5000, a1, b1);
    EXPECT_GE(scratch_floats_kept(), 6000u);
    const size_t kept = scratch_floats_kept();
    one_call(1000, 5000, a2, b2);
    EXPECT_EQ(scratch_floats_kept(), kept) << "the same calls again made it grow";
    // The first call grew nothing yet (each hold had its own allocation); this one is carved
    // from the one buffer, the second hold right after the first (rounded to 64 bytes).
    EXPECT_GE(b2 - a2, 1000);
    EXPECT_LT(b2 - a2, 1100) << "not from one buffer, one after the other";
    {
      Scratch small(10);
      EXPECT_EQ(small.data(), a2) << "nothing held: carved from the start again";
    }
    EXPECT_EQ(scratch_floats_kept(), kept) << "a smaller call does not shrink it";
  }).join();
}

TEST(Scratch, AMovedHoldIsReleasedOnce) {
  std::thread([] {
    Scratch outer;
    {
      Scratch inner(100);
      outer = std::move(inner);
      EXPECT_EQ(inner.data(), nullptr);
    }
    ASSERT_NE(outer.data(), nullptr);
    outer.data()[99] = 3.0f;
    outer = Scratch();
    // Nothing held now: a hold starts at the buffer's start, and again after its release.
    // Released twice, the count of holds would never reach nothing again, and the second
    // hold would come after the first.
    const float* first = Scratch(100).data();
    Scratch again(100);
    EXPECT_EQ(again.data(), first);
  }).join();
}

}  // namespace
