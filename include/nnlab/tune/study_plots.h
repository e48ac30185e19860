// The plots of a study (nnlab study plot): optimisation history, intermediate values per
// trial, parameter importance. Each is a report::Figure, saved with report::save_plot.
#pragma once

#include <filesystem>
#include <vector>

#include "nnlab/report/plot.h"
#include "nnlab/tune/storage.h"
#include "nnlab/tune/trial.h"

namespace nnlab::tune {

// Each complete trial's value, and the best value so far as a step line.
report::Figure history_figure(const StudyRecord& study, const std::vector<FrozenTrial>& trials);
// One line per trial that reported intermediate values, coloured by its final state.
report::Figure intermediate_figure(const StudyRecord& study, const std::vector<FrozenTrial>& trials);
// parameter_importance() as bars.
report::Figure importance_figure(const StudyRecord& study, const std::vector<FrozenTrial>& trials);

// Writes history.png, intermediate.png and importance.png into dir (CSV files where gnuplot
// is missing; see each PlotOutput), holding dir's lock (io::DirectoryLock) meanwhile.
std::vector<report::PlotOutput> plot_study(const StudyRecord& study, const std::vector<FrozenTrial>& trials,
                                           const std::filesystem::path& dir, const report::PlotOptions& options = {});

// The folder name of a study's plots, "<study>-plots", with the name made safe for a file
// name: a study may be called anything ("../../x", "/etc", "a b"), but its plots stay in
// one folder beside the database. Characters outside [A-Za-z0-9._-] become '_', a leading
// dot is escaped, and a name that had to change gets a short hash of the original so
// that two studies never share a folder.
std::string plots_folder_name(const std::string& study_name);

}  // namespace nnlab::tune
