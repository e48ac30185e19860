// The experiments' two halves, as the registry calls them: measure (options → results
// JSON, the only place numbers come from) and render (results JSON → report and plots).
#pragma once

#include <nlohmann/json.hpp>

#include "nnlab/experiments/experiment.h"
#include "nnlab/report/document.h"

namespace nnlab::experiments {

nlohmann::json measure_ce_vs_mse(const ExperimentOptions& options, ExperimentObserver& observer);
void render_ce_vs_mse(const nlohmann::json& results, report::Document& doc);

nlohmann::json measure_convexity(const ExperimentOptions& options, ExperimentObserver& observer);
void render_convexity(const nlohmann::json& results, report::Document& doc);

nlohmann::json measure_mlp_cifar10(const ExperimentOptions& options, ExperimentObserver& observer);
void render_mlp_cifar10(const nlohmann::json& results, report::Document& doc);

nlohmann::json measure_cnn_compare(const ExperimentOptions& options, ExperimentObserver& observer);
void render_cnn_compare(const nlohmann::json& results, report::Document& doc);

}  // namespace nnlab::experiments
