#include "experiments/child_run.h"

#include "nnlab/error.h"

namespace nnlab::experiments {

ChildResult run_child(const ChildOptions& o) {
  if (o.argv.empty()) throw IoError("run_child: no program given");
  tune::SubprocessOptions spawn;
  spawn.argv = o.argv;
  spawn.capture_output = false;
  spawn.stdout_file = o.stdout_file;
  spawn.stderr_file = o.stderr_file;
  spawn.own_process_group = false;
  tune::Subprocess child(spawn);  // its destructor kills a child left running by an exception
  auto ignore = [](const std::string&) {};
  while (!child.pump(o.poll, ignore))
    if (o.on_poll) o.on_poll();
  if (o.on_poll) o.on_poll();  // the last lines it wrote
  return *child.status();
}

}  // namespace nnlab::experiments
