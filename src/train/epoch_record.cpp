#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/train/observer.h"

namespace nnlab::train {

nlohmann::json EpochRecord::to_json() const {
  nlohmann::json j{{"epoch", epoch},
                   {"lr", lr},
                   {"train_loss", train_loss},
                   {"train_accuracy", train_accuracy},
                   {"test_loss", test_loss},
                   {"test_accuracy", test_accuracy},
                   {"test_top5", test_top5},
                   {"train_seconds", train_seconds},
                   {"eval_seconds", eval_seconds},
                   {"elapsed_seconds", elapsed_seconds},
                   {"images_per_second", images_per_second},
                   {"data_wait_fraction", data_wait_fraction}};
  if (val_loss) j["val_loss"] = *val_loss;
  if (val_accuracy) j["val_accuracy"] = *val_accuracy;
  if (ranks) j["ranks"] = *ranks;
  if (allreduce_fraction) j["allreduce_fraction"] = *allreduce_fraction;
  return j;
}

EpochRecord EpochRecord::from_json(const nlohmann::json& j) {
  EpochRecord r;
  j.at("epoch").get_to(r.epoch);
  j.at("lr").get_to(r.lr);
  j.at("train_loss").get_to(r.train_loss);
  j.at("train_accuracy").get_to(r.train_accuracy);
  j.at("test_loss").get_to(r.test_loss);
  j.at("test_accuracy").get_to(r.test_accuracy);
  j.at("test_top5").get_to(r.test_top5);
  j.at("train_seconds").get_to(r.train_seconds);
  j.at("eval_seconds").get_to(r.eval_seconds);
  j.at("elapsed_seconds").get_to(r.elapsed_seconds);
  j.at("images_per_second").get_to(r.images_per_second);
  j.at("data_wait_fraction").get_to(r.data_wait_fraction);
  if (j.contains("val_loss")) r.val_loss = j.at("val_loss").get<double>();
  if (j.contains("val_accuracy")) r.val_accuracy = j.at("val_accuracy").get<double>();
  if (j.contains("ranks")) r.ranks = j.at("ranks").get<int64_t>();
  if (j.contains("allreduce_fraction")) r.allreduce_fraction = j.at("allreduce_fraction").get<double>();
  return r;
}

double EpochRecord::metric(const std::string& name) const {
  if (name == "train_loss") return train_loss;
  if (name == "train_accuracy") return train_accuracy;
  if (name == "test_loss") return test_loss;
  if (name == "test_accuracy") return test_accuracy;
  if (name == "val_loss" || name == "val_accuracy") {
    const std::optional<double>& v = name == "val_loss" ? val_loss : val_accuracy;
    if (!v) throw ConfigError("metric '" + name + "' needs a validation split (`val_fraction` > 0)");
    return *v;
  }
  throw ConfigError(fmt::format(
      "unknown metric '{}': accepted are val_accuracy, val_loss, test_accuracy, test_loss, train_accuracy, train_loss",
      name));
}

}  // namespace nnlab::train
