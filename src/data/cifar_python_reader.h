// CIFAR-10 and CIFAR-100, Python version (cifar-10-python.tar.gz, cifar-100-python.tar.gz):
// what torchvision's and Keras's downloads leave. Each batch is a pickled dict whose 'data'
// is a uint8 numpy array N×3072 (rows of R, G, B planes of 32×32, the layout of the binary
// version) and whose labels are a list of N ints; read with the restricted unpickler, so a
// file can hold values only, never code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "nnlab/data/datasets.h"

namespace nnlab::data::detail {

// True for the location forms (see the catalog's probes) that are the Python version.
bool is_cifar_python_form(const std::string& form);

// Appends one batch (data_batch_N, test_batch; CIFAR-100's train, test) to `out`, shaped
// 3×32×32. The pickle says how many images it holds, so any count is read.
void append_cifar_python_batch(std::span<const uint8_t> bytes, const std::string& file, bool cifar100, bool coarse,
                               Dataset& out);

// The class names a meta file (batches.meta; CIFAR-100's meta) lists, checked against the
// count of classes.
std::vector<std::string> cifar_python_class_names(std::span<const uint8_t> bytes, const std::string& file,
                                                  bool cifar100, bool coarse);

// Both splits from `dir`: the extracted folder (form "python") or the archive the form names.
Splits read_cifar_python(const std::filesystem::path& dir, const std::string& form, bool cifar100, bool coarse);

}  // namespace nnlab::data::detail
