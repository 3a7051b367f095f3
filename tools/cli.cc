#include "tools/cli.h"

#include <algorithm>
#include <cstdio>

namespace sluice::cli {

namespace {
bool verbose = false;
}  // namespace

bool Verbose() { return verbose; }
void SetVerbose(bool v) { verbose = v; }

int ReportError(absl::string_view command, const Status& status) {
  std::fprintf(stderr, "sluice %s: %s\n", std::string(command).c_str(), std::string(status.message()).c_str());
  if (verbose) {
    std::fprintf(stderr, "sluice %s: status code %s\n", std::string(command).c_str(),
                 absl::StatusCodeToString(status.code()).c_str());
  }
  return kExitError;
}

int ReportUsageError(absl::string_view command, absl::string_view message) {
  std::fprintf(stderr, "sluice %s: %s\n", std::string(command).c_str(), std::string(message).c_str());
  return kExitUsage;
}

std::string ParsedArgs::Last(const std::string& flag) const {
  auto it = values.find(flag);
  return it == values.end() || it->second.empty() ? "" : it->second.back();
}

const std::vector<std::string>& ParsedArgs::All(const std::string& flag) const {
  static const std::vector<std::string> kNone;
  auto it = values.find(flag);
  return it == values.end() ? kNone : it->second;
}

StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                               const std::vector<std::string>& value_flags,
                               const std::vector<std::string>& switch_flags) {
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  ParsedArgs out;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (contains(switch_flags, name)) {
      if (eq != std::string::npos) return errors::InvalidArgument("--", name, " takes no value");
      out.switches.insert(name);
    } else if (contains(value_flags, name)) {
      if (eq != std::string::npos) {
        out.values[name].push_back(arg.substr(eq + 1));
      } else if (i + 1 < args.size()) {
        out.values[name].push_back(args[++i]);
      } else {
        return errors::InvalidArgument("--", name, " needs a value");
      }
    } else {
      return errors::InvalidArgument("unknown flag --", name);
    }
  }
  return out;
}

}  // namespace sluice::cli
