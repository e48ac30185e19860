// A structural check of a MATLAB MAT-file before matio reads it. matio trusts the sizes in
// a variable's header and allocates (and touches) what they claim — a damaged 255-byte
// file made it take 5 GB and 8 s before failing (found by fuzz_svhn_mat). The check reads
// only the 128-byte file header and the first bytes of each variable.
#pragma once

#include <filesystem>

namespace nnlab::data::detail {

// Passes a MATLAB 5/7 file whose every top-level variable is a real or complex numeric
// array with at most 32 dimensions and fits in the file, and any MATLAB 7.3 (HDF5) file;
// throws DataError naming the file and the fault otherwise.
void check_mat_file(const std::filesystem::path& path);

}  // namespace nnlab::data::detail
