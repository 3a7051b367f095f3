// The sluice command-line program: its subcommands (one per tools/<name>.cc, listed in the table
// in tools/sluice_main.cc) and what they share: exit codes, argument parsing, error reporting.
#ifndef SLUICE_TOOLS_CLI_H_
#define SLUICE_TOOLS_CLI_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "core/status.h"

namespace sluice::cli {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;  // the command failed: a file, the graph or a run
constexpr int kExitUsage = 2;  // the command line is wrong; sluice_main prints the usage

// A subcommand takes the arguments after its name. On failure it prints one line to stderr
// (ReportError / ReportUsageError) and returns kExitError or kExitUsage.
using CommandFn = int (*)(const std::vector<std::string>& args);
int RunCommand(const std::vector<std::string>& args);      // tools/run.cc
int InspectCommand(const std::vector<std::string>& args);  // tools/inspect.cc
int OpsCommand(const std::vector<std::string>& args);      // tools/ops.cc
int ConvertCommand(const std::vector<std::string>& args);  // tools/convert.cc
int FreezeCommand(const std::vector<std::string>& args);   // tools/freeze.cc
int TrainCommand(const std::vector<std::string>& args);    // tools/train.cc
int CkptCommand(const std::vector<std::string>& args);     // tools/ckpt.cc
int GraphCommand(const std::vector<std::string>& args);    // tools/graph.cc
int RecordsCommand(const std::vector<std::string>& args);  // tools/records.cc

// --verbose (any command): ReportError adds the status code, sluice_main the exit status and time.
bool Verbose();
void SetVerbose(bool verbose);

// Prints "sluice <command>: <status message>" to stderr (with --verbose, then
// "sluice <command>: status code <CODE>"); returns kExitError.
int ReportError(absl::string_view command, const Status& status);
// Prints "sluice <command>: <message>" to stderr; returns kExitUsage.
int ReportUsageError(absl::string_view command, absl::string_view message);

struct ParsedArgs {
  std::vector<std::string> positional;
  // Every value of each flag that takes one, in command-line order (flags may repeat).
  absl::flat_hash_map<std::string, std::vector<std::string>> values;
  // The switches (flags without a value) that were given.
  absl::flat_hash_set<std::string> switches;

  // The flag's last value, or "" when it was not given.
  std::string Last(const std::string& flag) const;
  const std::vector<std::string>& All(const std::string& flag) const;
};

// Parses "--flag value", "--flag=value" (for `value_flags`), "--switch" (for `switch_flags`) and
// positional arguments; "--" ends the flags. An unknown flag, a missing value or a value given
// to a switch is InvalidArgument naming the flag.
StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                               const std::vector<std::string>& value_flags,
                               const std::vector<std::string>& switch_flags);

}  // namespace sluice::cli

#endif  // SLUICE_TOOLS_CLI_H_
