// sluice ckpt: what a checkpoint (TF's V2 tensor bundle) holds: list its tensors, dump their
// values, diff two checkpoints tensor by tensor.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ops/saver.h"
#include "runtime/tensor_bundle.h"
#include "tools/cli.h"

namespace sluice::cli {

namespace {

constexpr char kCommand[] = "ckpt";
constexpr int64_t kDefaultSummarize = 100;

std::string Quoted(absl::string_view s) { return absl::StrCat("'", s, "'"); }

// A checkpoint named on the command line: a directory (its latest checkpoint, from its state
// file), a prefix, or one of a prefix's files ("model-7.index", "model-7.data-00000-of-00001").
StatusOr<std::string> ResolvePrefix(const std::string& arg) {
  struct stat st;
  if (::stat(arg.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return train::LatestCheckpoint(arg);
  std::string prefix = arg;
  if (prefix.ends_with(".index")) {
    prefix.resize(prefix.size() - 6);
  } else if (size_t data = prefix.rfind(".data-"); data != std::string::npos && prefix.find('/', data) == std::string::npos) {
    prefix.resize(data);
  }
  return prefix;
}

StatusOr<std::unique_ptr<BundleReader>> OpenCheckpoint(const std::string& arg) {
  SLUICE_ASSIGN_OR_RETURN(std::string prefix, ResolvePrefix(arg));
  return BundleReader::Open(prefix);
}

std::string DtypeName(DataType dt) {
  return DataType_IsValid(dt) ? DataTypeString(dt) : absl::StrCat("dtype ", static_cast<int>(dt));
}

std::string ShapeText(const BundleEntryProto& entry) {
  auto shape = TensorShape::FromProto(entry.shape());
  return shape.ok() ? shape->DebugString() : "<invalid shape>";
}

// The tensors to show: all, or the one --tensor names (NotFound naming it when absent).
StatusOr<std::vector<std::string>> Selected(const BundleReader& reader, const std::string& tensor) {
  if (tensor.empty()) return reader.TensorNames();
  if (!reader.Contains(tensor)) {
    return errors::NotFound("the checkpoint ", Quoted(reader.prefix()), " has no tensor ", Quoted(errors::Echo(tensor)));
  }
  return std::vector<std::string>{tensor};
}

int List(const BundleReader& reader, const std::string& tensor) {
  auto names = Selected(reader, tensor);
  if (!names.ok()) return ReportError(kCommand, names.status());
  int64_t total = 0;
  for (const std::string& name : *names) {
    BundleEntryProto entry = *reader.Entry(name);
    std::printf("%s %s %s %lld bytes\n", name.c_str(), DtypeName(entry.dtype()).c_str(), ShapeText(entry).c_str(),
                static_cast<long long>(entry.size()));
    total += entry.size();
  }
  std::printf("%s: %zu tensors, %lld bytes\n", reader.prefix().c_str(), names->size(), static_cast<long long>(total));
  return kExitOk;
}

int Dump(const BundleReader& reader, const std::string& tensor, int64_t summarize) {
  auto names = Selected(reader, tensor);
  if (!names.ok()) return ReportError(kCommand, names.status());
  for (const std::string& name : *names) {
    auto t = reader.Lookup(name);
    if (!t.ok()) return ReportError(kCommand, t.status());
    std::printf("%s = %s %s %s\n", name.c_str(), DataTypeString(t->dtype()).c_str(), t->shape().DebugString().c_str(),
                t->SummarizeValue(summarize < 0 ? INT64_MAX : summarize).c_str());
  }
  return kExitOk;
}

// How two tensors of one name differ, or "" when they are equal.
std::string Difference(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype()) return absl::StrCat("dtype ", DataTypeString(a.dtype()), " vs ", DataTypeString(b.dtype()));
  if (a.shape() != b.shape()) return absl::StrCat("shape ", a.shape().DebugString(), " vs ", b.shape().DebugString());
  const int64_t n = a.NumElements();
  int64_t differing = 0;
  double max_abs = 0;
  bool numeric = false;
  bool dispatched = DispatchType(a.dtype(), [&]<typename T>() {
    const T* x = a.data<T>();
    const T* y = b.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
        numeric = true;
        const double dx = static_cast<double>(x[i]), dy = static_cast<double>(y[i]);
        if (x[i] == y[i] || (std::isnan(dx) && std::isnan(dy))) continue;
        ++differing;
        // A NaN on one side only, or infinities of opposite signs, differ infinitely.
        const double d = std::fabs(dx - dy);
        max_abs = std::max(max_abs, std::isnan(d) ? INFINITY : d);
      } else {
        differing += !(x[i] == y[i]);
      }
    }
  });
  if (!dispatched) {  // half, bfloat16, complex: compared by their bytes
    const size_t width = DataTypeSize(a.dtype());
    const char* x = static_cast<const char*>(a.raw_data());
    const char* y = static_cast<const char*>(b.raw_data());
    for (int64_t i = 0; i < n; ++i) differing += std::memcmp(x + i * width, y + i * width, width) != 0;
  }
  if (differing == 0) return "";
  std::string out = absl::StrCat(differing, " of ", n, " elements differ");
  if (numeric) absl::StrAppend(&out, ", max abs difference ", max_abs);
  return out;
}

int Diff(const BundleReader& a, const BundleReader& b, const std::string& tensor) {
  std::vector<std::string> names;
  if (!tensor.empty()) {
    if (!a.Contains(tensor) && !b.Contains(tensor)) {
      return ReportError(kCommand, errors::NotFound("neither ", Quoted(a.prefix()), " nor ", Quoted(b.prefix()),
                                                    " has a tensor ", Quoted(errors::Echo(tensor))));
    }
    names = {tensor};
  } else {
    std::vector<std::string> in_a = a.TensorNames(), in_b = b.TensorNames();
    std::set_union(in_a.begin(), in_a.end(), in_b.begin(), in_b.end(), std::back_inserter(names));
  }
  int differ = 0;
  for (const std::string& name : names) {
    if (!b.Contains(name) || !a.Contains(name)) {
      std::printf("%s: only in %s\n", name.c_str(), (a.Contains(name) ? a : b).prefix().c_str());
      ++differ;
      continue;
    }
    auto x = a.Lookup(name);
    if (!x.ok()) return ReportError(kCommand, x.status());
    auto y = b.Lookup(name);
    if (!y.ok()) return ReportError(kCommand, y.status());
    std::string d = Difference(*x, *y);
    if (d.empty()) {
      std::printf("%s: equal\n", name.c_str());
    } else {
      std::printf("%s: %s\n", name.c_str(), d.c_str());
      ++differ;
    }
  }
  std::printf("%d of %zu tensors differ\n", differ, names.size());
  return kExitOk;
}

}  // namespace

int CkptCommand(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, {"tensor", "summarize"}, {});
  if (!parsed.ok()) return ReportUsageError(kCommand, parsed.status().message());
  const std::vector<std::string>& pos = parsed->positional;
  if (pos.empty()) return ReportUsageError(kCommand, "missing the action: list, dump or diff");
  const std::string& action = pos[0];
  const size_t want = action == "diff" ? 3 : 2;
  if (action != "list" && action != "dump" && action != "diff") {
    return ReportUsageError(kCommand, absl::StrCat("unknown action '", action, "' (list, dump or diff)"));
  }
  if (pos.size() != want) {
    return ReportUsageError(kCommand, absl::StrCat(action, " takes ", want - 1, want == 3 ? " checkpoints" : " checkpoint",
                                                   " (a prefix or a directory), not ", pos.size() - 1));
  }
  int64_t summarize = kDefaultSummarize;
  std::string summarize_text = parsed->Last("summarize");
  if (!summarize_text.empty() && (!absl::SimpleAtoi(summarize_text, &summarize) || summarize < -1)) {
    return ReportUsageError(kCommand, absl::StrCat("--summarize wants a count or -1, not '", summarize_text, "'"));
  }
  const std::string tensor = parsed->Last("tensor");
  auto reader = OpenCheckpoint(pos[1]);
  if (!reader.ok()) return ReportError(kCommand, reader.status());
  if (action == "list") return List(**reader, tensor);
  if (action == "dump") return Dump(**reader, tensor, summarize);
  auto other = OpenCheckpoint(pos[2]);
  if (!other.ok()) return ReportError(kCommand, other.status());
  return Diff(**reader, **other, tensor);
}

}  // namespace sluice::cli
