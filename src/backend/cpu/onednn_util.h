// Small helpers shared by the oneDNN-backed kernels.
#pragma once

#include <dnnl.hpp>
#include <string>

#include "nnlab/tensor.h"

namespace nnlab::cpu {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// A plain row-major f32 descriptor for these dimensions (nchw for 4-D, nc for 2-D, x for 1-D).
dnnl::memory::desc plain_md(const dnnl::memory::dims& dims);

// Moves data between two layouts of the same tensor, e.g. plain NCHW and the blocked layout
// a convolution prefers. The reorder primitive is cached per pair of layouts. No-op when
// the layouts are equal and the pointers are the same.
void reorder(const dnnl::memory::desc& from, const float* src, const dnnl::memory::desc& to, float* dst);

// Floats needed to hold a memory descriptor's data (rounded up; blocked layouts are padded).
int64_t float_count(const dnnl::memory::desc& md);

// A scratch buffer in the layout `md`, or none when `md` equals `plain` (then the caller
// uses its plain data directly).
struct Staged {
  Tensor buffer;    // holds the data when a reorder was needed
  const float* ptr; // where the data in `md` layout lives
};
Staged stage_input(const dnnl::memory::desc& plain, const float* data, const dnnl::memory::desc& md);

std::string dims_key(const dnnl::memory::dims& dims);

}  // namespace nnlab::cpu
