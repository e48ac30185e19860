// SegmentPool (tensor/segment_pool.h): freed memory serves requests of any size that fit,
// neighbours merge, segments are made only when nothing free fits, and release() returns
// only wholly free ones.
#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "tensor/segment_pool.h"

using nnlab::SegmentPool;

namespace {

constexpr size_t kPage = 4096;
int g_segments = 0;

void* new_segment(size_t bytes) {
  ++g_segments;
  return std::aligned_alloc(kPage, bytes);
}

void drop_segment(void* p) {
  --g_segments;
  std::free(p);
}

class SegmentPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { g_segments = 0; }
  SegmentPool pool{new_segment, drop_segment};
};

TEST_F(SegmentPoolTest, FreedMemoryServesASmallerRequestAndTheRestAnother) {
  char* big = static_cast<char*>(pool.allocate(10 * kPage));
  pool.free(big);
  EXPECT_EQ(pool.free_bytes(), 10 * kPage);
  char* a = static_cast<char*>(pool.allocate(4 * kPage));
  char* b = static_cast<char*>(pool.allocate(6 * kPage));
  EXPECT_EQ(a, big);
  EXPECT_EQ(b, big + 4 * kPage);
  EXPECT_EQ(g_segments, 1) << "a request that fitted in freed memory made a segment";
  EXPECT_EQ(pool.free_bytes(), 0u);
  pool.free(a);
  pool.free(b);
}

TEST_F(SegmentPoolTest, NeighboursMergeSoThatALargerRequestFitsAgain) {
  char* whole = static_cast<char*>(pool.allocate(9 * kPage));
  pool.free(whole);
  char* a = static_cast<char*>(pool.allocate(3 * kPage));
  char* b = static_cast<char*>(pool.allocate(3 * kPage));
  char* c = static_cast<char*>(pool.allocate(3 * kPage));
  // Freed in an order that merges with the range after (c, then b) and before (a).
  pool.free(c);
  pool.free(a);
  pool.free(b);
  EXPECT_EQ(static_cast<char*>(pool.allocate(9 * kPage)), whole) << "the three pieces did not merge back";
  EXPECT_EQ(g_segments, 1);
  pool.free(whole);
}

TEST_F(SegmentPoolTest, TheBestFittingRangeIsTaken) {
  char* small = static_cast<char*>(pool.allocate(2 * kPage));
  char* sep = static_cast<char*>(pool.allocate(kPage));  // keeps the two segments' ranges apart
  char* large = static_cast<char*>(pool.allocate(8 * kPage));
  pool.free(large);
  pool.free(small);
  EXPECT_EQ(static_cast<char*>(pool.allocate(2 * kPage)), small) << "took the large range for a small request";
  EXPECT_EQ(static_cast<char*>(pool.allocate(5 * kPage)), large);
  EXPECT_EQ(g_segments, 3);
  EXPECT_EQ(pool.segment_bytes(), 11 * kPage);
  EXPECT_EQ(pool.free_bytes(), 3 * kPage);
  pool.free(sep);
}

TEST_F(SegmentPoolTest, ARequestLargerThanAnyFreeRangeMakesASegment) {
  void* a = pool.allocate(2 * kPage);
  pool.free(a);
  void* b = pool.allocate(3 * kPage);
  EXPECT_NE(b, a);
  EXPECT_EQ(g_segments, 2);
  EXPECT_EQ(pool.segment_bytes(), 5 * kPage);
  pool.free(b);
}

TEST_F(SegmentPoolTest, ReleaseReturnsOnlyWhollyFreeSegments) {
  void* kept = pool.allocate(4 * kPage);
  void* freed = pool.allocate(4 * kPage);
  void* part = pool.allocate(8 * kPage);
  pool.free(freed);
  pool.free(part);
  void* piece = pool.allocate(2 * kPage);  // a piece of a segment keeps all of it
  pool.release();
  EXPECT_EQ(g_segments, 2) << "release() dropped a segment in use, or kept a wholly free one";
  EXPECT_EQ(pool.segment_bytes(), 8 * kPage);
  pool.free(kept);
  pool.free(piece);
  pool.release();
  EXPECT_EQ(g_segments, 0);
  EXPECT_EQ(pool.free_bytes(), 0u);
}

TEST_F(SegmentPoolTest, FreeingAPointerItDidNotGiveIsRefused) {
  int x = 0;
  EXPECT_THROW(pool.free(&x), std::logic_error);
  void* a = pool.allocate(kPage);
  pool.free(a);
  EXPECT_THROW(pool.free(a), std::logic_error) << "a double free was accepted";
}

}  // namespace
