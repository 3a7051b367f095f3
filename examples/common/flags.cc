#include "examples/common/flags.h"

#include <cstdio>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sluice {
namespace {

bool ParseValue(const std::string& s, int* v) { return absl::SimpleAtoi(s, v); }
bool ParseValue(const std::string& s, int64_t* v) { return absl::SimpleAtoi(s, v); }
bool ParseValue(const std::string& s, float* v) { return absl::SimpleAtof(s, v); }
bool ParseValue(const std::string& s, double* v) { return absl::SimpleAtod(s, v); }
bool ParseValue(const std::string& s, std::string* v) {
  *v = s;
  return true;
}

std::string Show(int v) { return absl::StrCat(v); }
std::string Show(int64_t v) { return absl::StrCat(v); }
std::string Show(float v) { return absl::StrCat(v); }
std::string Show(double v) { return absl::StrCat(v); }
std::string Show(const std::string& v) { return v.empty() ? "\"\"" : v; }

// A setter that parses one value into *value and checks it with `valid` (when given).
template <typename T, typename Check>
std::function<bool(const std::vector<std::string>&)> Setter(T* value, Check valid) {
  return [value, valid = std::move(valid)](const std::vector<std::string>& args) {
    T parsed;
    if (!ParseValue(args[0], &parsed) || (valid && !valid(parsed))) return false;
    *value = std::move(parsed);
    return true;
  };
}

}  // namespace

FlagParser& FlagParser::AddFlag(Flag flag) {
  flags_.push_back(std::move(flag));
  return *this;
}

FlagParser& FlagParser::Add(const std::string& name, int* value, const std::string& help,
                            std::function<bool(int)> valid) {
  return AddFlag({{name}, help, Show(*value), 1, false, Setter(value, std::move(valid))});
}
FlagParser& FlagParser::Add(const std::string& name, int64_t* value, const std::string& help,
                            std::function<bool(int64_t)> valid) {
  return AddFlag({{name}, help, Show(*value), 1, false, Setter(value, std::move(valid))});
}
FlagParser& FlagParser::Add(const std::string& name, float* value, const std::string& help,
                            std::function<bool(float)> valid) {
  return AddFlag({{name}, help, Show(*value), 1, false, Setter(value, std::move(valid))});
}
FlagParser& FlagParser::Add(const std::string& name, double* value, const std::string& help,
                            std::function<bool(double)> valid) {
  return AddFlag({{name}, help, Show(*value), 1, false, Setter(value, std::move(valid))});
}
FlagParser& FlagParser::Add(const std::string& name, std::string* value, const std::string& help,
                            std::function<bool(const std::string&)> valid) {
  return AddFlag({{name}, help, Show(*value), 1, false, Setter(value, std::move(valid))});
}

FlagParser& FlagParser::Add(const std::string& name, bool* value, const std::string& help) {
  auto set = [value](const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "true" || args[0] == "1") {
      *value = true;
    } else if (args[0] == "false" || args[0] == "0") {
      *value = false;
    } else {
      return false;
    }
    return true;
  };
  return AddFlag({{name}, help, *value ? "true" : "false", 0, true, std::move(set)});
}

FlagParser& FlagParser::AddList(const std::string& name, int count, std::vector<std::string>* values,
                                const std::string& help) {
  auto set = [values](const std::vector<std::string>& args) {
    *values = args;
    return true;
  };
  return AddFlag({{name}, help, "", count, false, std::move(set)});
}

FlagParser& FlagParser::Alias(const std::string& name) {
  if (!flags_.empty()) flags_.back().names.push_back(name);
  return *this;
}

const FlagParser::Flag* FlagParser::Find(const std::string& name) const {
  for (const Flag& flag : flags_) {
    for (const std::string& n : flag.names) {
      if (n == name) return &flag;
    }
  }
  return nullptr;
}

bool FlagParser::Parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(Usage().c_str(), stderr);
      return false;
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const Flag* flag = Find(name);
    std::vector<std::string> args;
    bool ok = flag != nullptr;
    if (ok && eq != std::string::npos) {
      args.push_back(arg.substr(eq + 1));
      ok = flag->count <= 1;
    } else if (ok) {
      for (int k = 0; k < flag->count && ok; ++k) {
        ok = i + 1 < argc;
        if (ok) args.push_back(argv[++i]);
      }
    }
    if (!ok || !flag->set(args)) {
      std::fprintf(stderr, "%s: bad argument '%s'%s\n", program_.c_str(), arg.c_str(),
                   flag == nullptr ? " (unknown flag)" : "");
      std::fputs(Usage().c_str(), stderr);
      return false;
    }
  }
  return true;
}

std::string FlagParser::Usage() const {
  std::string usage = absl::StrCat("usage: ", program_, " [flags]\n");
  for (const Flag& flag : flags_) {
    std::string values;
    if (!flag.is_bool) values = flag.count == 1 ? " V" : absl::StrCat(" V1..V", flag.count);
    absl::StrAppend(&usage, "  ", absl::StrJoin(flag.names, ", "), values, "  ", flag.help);
    if (flag.count == 1 || flag.is_bool) absl::StrAppend(&usage, " (default ", flag.default_value, ")");
    usage += "\n";
  }
  return usage;
}

}  // namespace sluice
