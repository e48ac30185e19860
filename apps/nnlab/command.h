// The verbs of the nnlab program. Each cmd_<verb>.cpp registers itself with
// NNLAB_COMMAND: it declares its flags on the CLI11 subcommand it is given and returns
// the function that runs the verb once the flags are parsed (its exit code).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace nnlab::cli {

using Runner = std::function<int()>;
using Setup = std::function<Runner(CLI::App& verb)>;

struct Command {
  std::string name;
  std::string help;
  Setup setup;
};

std::vector<Command>& commands();
bool register_command(Command command);

// --threads N on any verb that computes (default: every core).
void add_threads_flag(CLI::App& verb, int& threads);
// Applies --threads (0 = all cores) to the compute backend.
void apply_threads(int threads);

// A usage error: a bad flag value detected after parsing. Exits 2 like CLI11's own.
[[noreturn]] void usage_error(const std::string& message);

}  // namespace nnlab::cli

#define NNLAB_CONCAT_INNER(a, b) a##b
#define NNLAB_CONCAT(a, b) NNLAB_CONCAT_INNER(a, b)
#define NNLAB_COMMAND(name, help, setup) \
  static const bool NNLAB_CONCAT(nnlab_command_, __LINE__) = ::nnlab::cli::register_command({name, help, setup})
