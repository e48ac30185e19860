#include "data/moments.h"
#include "nnlab/data/inspect.h"

namespace nnlab::data {

SplitSummary summarize(const Dataset& data) {
  detail::Moments m = detail::moments(data);
  return {data.size(), data.sample_shape(), label_histogram(data), std::move(m.mean), std::move(m.std)};
}

}  // namespace nnlab::data
