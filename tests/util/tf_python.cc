#include "tests/util/tf_python.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_io.h"

namespace sluice {
namespace test {

const std::string& TfPython() {
  static const std::string python = [] {
    if (const char* p = std::getenv("SLUICE_TF_PYTHON")) return std::string(p);
    std::string venv = std::string(SLUICE_SOURCE_DIR) + "/bench/.venv/bin/python";
    if (::access(venv.c_str(), X_OK) == 0) return venv;
    return std::string("python3");
  }();
  return python;
}

bool PythonImports(const std::string& modules) {
  static std::mutex mu;
  static std::map<std::string, bool> known;
  std::lock_guard<std::mutex> lock(mu);
  auto it = known.find(modules);
  if (it == known.end()) {
    const std::string command = absl::StrCat(TfPython(), " -c 'import ", modules, "' >/dev/null 2>&1");
    it = known.emplace(modules, std::system(command.c_str()) == 0).first;
  }
  return it->second;
}

StatusOr<std::string> RunPython(const std::string& script, const std::string& args) {
  char errors[] = "/tmp/sluice_python_stderr_XXXXXX";
  const int fd = ::mkstemp(errors);
  if (fd < 0) return errors::Internal("cannot create a temporary file for the stderr of ", script);
  ::close(fd);
  const std::string command = absl::StrCat(TfPython(), " ", script, " ", args, " 2>", errors);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ::unlink(errors);
    return errors::Internal("cannot run ", command);
  }
  std::string out;
  char buf[4096];
  for (size_t got; (got = std::fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, got);
  const int rc = ::pclose(pipe);
  std::string err = ReadFileToString(errors).value_or("");
  ::unlink(errors);
  if (rc != 0) {
    constexpr size_t kTail = 6000;
    if (err.size() > kTail) err = "..." + err.substr(err.size() - kTail);
    return errors::Internal(command, " exited with status ", rc, "\nstdout:\n", out, "\nstderr:\n", err);
  }
  return out;
}

StatusOr<std::string> RunPythonCode(const std::string& dir, const std::string& code, const std::string& args) {
  const std::string file = dir + "/script.py";
  SLUICE_RETURN_IF_ERROR(WriteStringToFileAtomic(file, code));
  return RunPython(file, args);
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

}  // namespace test
}  // namespace sluice
