#include "train/replicas.h"

#include <algorithm>

#include "nnlab/fingerprint.h"

namespace nnlab::train {

namespace {

template <class T>
uint64_t add(uint64_t h, std::span<const T> values) {
  return fingerprint(std::as_bytes(values), h);
}

uint64_t add_number(uint64_t h, int64_t v) { return add(h, std::span<const int64_t>(&v, 1)); }

uint64_t add_split(uint64_t h, const data::Dataset& d) {
  for (int64_t v : {d.size(), d.channels, d.height, d.width, d.num_features, static_cast<int64_t>(d.num_classes)})
    h = add_number(h, v);
  if (d.size() == 0) return h;
  for (int64_t i : {int64_t{0}, d.size() - 1}) {
    if (d.is_image()) h = add(h, d.image(i));
    else h = add(h, d.feature_row(i));
    h = add_number(h, d.labels[i]);
  }
  return h;
}

}  // namespace

uint64_t config_fingerprint(const TrainConfig& config) {
  const std::string text = config.to_json().dump();
  return add(fnv_offset(), std::span<const char>(text.data(), text.size()));
}

uint64_t data_fingerprint(const PreparedData& data) {
  uint64_t h = fnv_offset();
  for (const data::Dataset* d : {&data.train, &data.val, &data.test}) h = add_split(h, *d);
  for (float v : data.normalization.mean) h = add(h, std::span<const float>(&v, 1));
  for (float v : data.normalization.std) h = add(h, std::span<const float>(&v, 1));
  return h;
}

std::vector<Tensor> state_tensors(const nn::Module& model) {
  std::vector<Tensor> out;
  for (const StateEntry& e : model.state_dict()) out.push_back(e.tensor);
  return out;
}

std::vector<Tensor> buffer_tensors(const nn::Module& model) {
  std::vector<Tensor> out;
  for (auto& [name, t] : model.named_buffers()) out.push_back(t);
  return out;
}

uint64_t weights_fingerprint(const nn::Module& model) {
  uint64_t h = fnv_offset();
  for (const Tensor& t : state_tensors(model)) {
    const Tensor c = t.contiguous();
    h = add(h, std::span<const float>(c.data(), static_cast<size_t>(c.numel())));
  }
  return h;
}

void sum_over_ranks(const dist::ReplicaGroup& group, ClassificationMetrics& metrics) {
  if (!group.distributed()) return;
  std::vector<double> sums = metrics.sums();
  group.sum(sums);
  metrics.set_sums(sums);
}

}  // namespace nnlab::train
