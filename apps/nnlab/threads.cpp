#include "checks.h"
#include "command.h"
#include "nnlab/backend.h"

namespace nnlab::cli {

void add_threads_flag(CLI::App& verb, int& threads) {
  verb.add_option("--threads", threads, "Compute threads (0 = every core)")->check(nnlab::cli::non_negative());
}

void apply_threads(int threads) { nnlab::set_num_threads(threads); }

}  // namespace nnlab::cli
