// nnlab: the command-line program. Dispatches to the verbs registered by cmd_*.cpp and
// turns every error into one line on stderr and an exit code: 2 for usage, 1 otherwise.
// The library's messages name options by key (`epochs`); they are printed with the flags
// (--epochs) a user of the program types.
#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <new>
#include <map>
#include <set>
#include <string_view>

#include "command.h"
#include "flag_text.h"
#include "nnlab/backend.h"
#include "nnlab/error.h"
#include "nnlab/version.h"

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

namespace nnlab::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

bool register_command(Command command) {
  commands().push_back(std::move(command));
  return true;
}

void usage_error(const std::string& message) { throw UsageError(message); }

}  // namespace nnlab::cli

int main(int argc, char** argv) {
  using namespace nnlab;
  // The thread environment costs a 40 ms look at the machine and a re-exec: not for a run that
  // only prints help or the version.
  bool computes = argc > 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h" || arg == "--version") computes = false;
  }
  if (computes) ensure_thread_environment(argv);
  flush_denormals();
  CLI::App app{"nnlab: train, evaluate, compare and tune neural-network classifiers"};
  app.set_version_flag("--version", std::string("nnlab ") + nnlab::version());
  app.require_subcommand(1);
  app.fallthrough(false);

  std::map<std::string, cli::Runner> runners;
  auto sorted = cli::commands();
  std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, std::string>> verbs;
  for (auto& cmd : sorted) {
    CLI::App* verb = app.add_subcommand(cmd.name, cmd.help);
    runners[cmd.name] = cmd.setup(*verb);
    verbs.emplace_back(verb, cmd.name);
  }

  // CLI11 says only "A subcommand is required" for a verb it does not know.
  if (argc > 1 && argv[1][0] != '-' && !runners.count(argv[1])) {
    std::string names;
    for (auto& [verb, name] : verbs) names += (names.empty() ? "" : ", ") + name;
    fmt::print(stderr, "error: '{}' is not an nnlab verb; the verbs are {} (nnlab --help describes them)\n", argv[1],
               names);
    return 2;
  }
  // CLI11 drops the empty items of a list flag ("--hidden 1,,2" would read as 1,2).
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0) continue;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[i + 1];
    }
    bool list = false;
    for (auto& [verb, name] : verbs)
      if (const CLI::Option* o = verb->get_option_no_throw(arg); o && o->get_delimiter() == ',') list = true;
    if (list && (value.empty() || value.front() == ',' || value.back() == ',' || value.find(",,") != std::string::npos)) {
      fmt::print(stderr, "error: {} '{}': an empty item in the list (two commas?)\n", arg, value);
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help); every usage error exits 2, help and version 0.
    return app.exit(e) == 0 ? 0 : 2;
  }
  const std::set<std::string> flags = cli::all_flags(app);
  try {
    nnlab::kernel_isa();  // a bad NNLAB_MAX_ISA is reported here, before any work
    for (auto& [verb, name] : verbs) {
      if (verb->parsed()) return runners[name]();
    }
    return 2;
  } catch (const UsageError& e) {
    fmt::print(stderr, "error: {}\nRun with --help for the accepted flags.\n", cli::keys_as_flags(e.what(), &flags));
    return 2;
  } catch (const nnlab::Error& e) {
    fmt::print(stderr, "error: {}\n", cli::keys_as_flags(e.what(), &flags));
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    const std::string path = e.path1().empty() ? "" : e.path1().string() + ": ";
    fmt::print(stderr, "error: {}{} (check the path and its permissions)\n", path, e.code().message());
    return 1;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "error: out of memory: lower the batch (--batch-size), the model's size or the image size\n");
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: unexpected failure: {}\n", e.what());
    return 1;
  }
}
