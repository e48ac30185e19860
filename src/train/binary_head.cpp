#include "train/binary_head.h"

namespace nnlab::train {

Tensor binary_targets(std::span<const int32_t> labels) {
  Tensor t = Tensor::empty({static_cast<int64_t>(labels.size()), 1});
  for (size_t i = 0; i < labels.size(); ++i) t.data()[i] = static_cast<float>(labels[i]);
  return t;
}

Tensor two_class_logits(const Tensor& logit) {
  Tensor z = logit.contiguous();
  const int64_t n = z.size(0);
  Tensor out = Tensor::empty({n, 2});
  for (int64_t i = 0; i < n; ++i) {
    out.data()[2 * i] = 0.0f;
    out.data()[2 * i + 1] = z.data()[i];
  }
  return out;
}

}  // namespace nnlab::train
