// TensorFlow as the tests' oracle, run as a Python program. TensorFlow is never a dependency of
// sluice: tests that use it are labelled "tf" (tests/CMakeLists.txt) and skip, saying why, where
// the interpreter cannot import it. The interpreter: $SLUICE_TF_PYTHON, else the anchors'
// bench/.venv/bin/python (bench/setup_anchors.sh makes it), else python3.
//
//   TEST(MyTfTest, TensorFlowAgrees) {
//     SLUICE_SKIP_WITHOUT_TF();
//     test::TempDir dir;
//     auto out = test::RunPythonCode(dir.path(), "import tensorflow as tf\nprint(1)\n", "");
//     ASSERT_OK(out.status());
//   }
#ifndef SLUICE_TESTS_UTIL_TF_PYTHON_H_
#define SLUICE_TESTS_UTIL_TF_PYTHON_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "gtest/gtest.h"

namespace sluice {
namespace test {

// The interpreter the oracle tests run.
const std::string& TfPython();
// Whether `import <modules>` succeeds in TfPython() ("tensorflow", "tensorflow, tensorboard");
// asked once per `modules` and remembered.
bool PythonImports(const std::string& modules);
// Runs TfPython() on the script file `script` with `args` (one shell-quoted string): its
// standard output, or an error naming the command, its exit status and the end of its stderr.
StatusOr<std::string> RunPython(const std::string& script, const std::string& args);
// The same for the program text `code`, written to `dir`/script.py first.
StatusOr<std::string> RunPythonCode(const std::string& dir, const std::string& code, const std::string& args);
// `text` split into its non-empty lines.
std::vector<std::string> Lines(const std::string& text);

}  // namespace test
}  // namespace sluice

// Skips the current test unless the interpreter imports `modules` (a string literal).
#define SLUICE_SKIP_WITHOUT_PYTHON_MODULES(modules)                                                \
  if (!::sluice::test::PythonImports(modules))                                                     \
  GTEST_SKIP() << "Python modules " << (modules) << " are not importable by "                      \
               << ::sluice::test::TfPython() << " (set SLUICE_TF_PYTHON, or run bench/setup_anchors.sh)"
#define SLUICE_SKIP_WITHOUT_TF() SLUICE_SKIP_WITHOUT_PYTHON_MODULES("tensorflow")

#endif  // SLUICE_TESTS_UTIL_TF_PYTHON_H_
