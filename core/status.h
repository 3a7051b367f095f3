// Status helpers. sluice uses absl::Status / absl::StatusOr everywhere; nothing throws across the API.
#ifndef SLUICE_CORE_STATUS_H_
#define SLUICE_CORE_STATUS_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace sluice {

using absl::Status;
using absl::StatusOr;

namespace errors {
template <typename... Args>
Status InvalidArgument(const Args&... args) { return absl::InvalidArgumentError(absl::StrCat(args...)); }
template <typename... Args>
Status NotFound(const Args&... args) { return absl::NotFoundError(absl::StrCat(args...)); }
template <typename... Args>
Status FailedPrecondition(const Args&... args) { return absl::FailedPreconditionError(absl::StrCat(args...)); }
template <typename... Args>
Status Unimplemented(const Args&... args) { return absl::UnimplementedError(absl::StrCat(args...)); }
template <typename... Args>
Status Internal(const Args&... args) { return absl::InternalError(absl::StrCat(args...)); }
template <typename... Args>
Status DataLoss(const Args&... args) { return absl::DataLossError(absl::StrCat(args...)); }
template <typename... Args>
Status OutOfRange(const Args&... args) { return absl::OutOfRangeError(absl::StrCat(args...)); }
template <typename... Args>
Status AlreadyExists(const Args&... args) { return absl::AlreadyExistsError(absl::StrCat(args...)); }
template <typename... Args>
Status ResourceExhausted(const Args&... args) { return absl::ResourceExhaustedError(absl::StrCat(args...)); }

// Returns `s` with `prefix` prepended to its message, keeping its code.
Status Annotate(const Status& s, absl::string_view prefix);
}  // namespace errors

}  // namespace sluice

#define SLUICE_STATUS_CONCAT_INNER(a, b) a##b
#define SLUICE_STATUS_CONCAT(a, b) SLUICE_STATUS_CONCAT_INNER(a, b)

#define SLUICE_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::absl::Status _sluice_s = (expr);          \
    if (!_sluice_s.ok()) return _sluice_s;      \
  } while (0)

#define SLUICE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(*tmp)

#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_STATUS_CONCAT(_sluice_sor_, __LINE__), lhs, expr)

// Aborts with the status message if `expr` is not OK. For examples and tests, not library code.
#define SLUICE_CHECK_OK(expr)                                                      \
  do {                                                                             \
    ::absl::Status _sluice_s = (expr);                                             \
    if (!_sluice_s.ok()) {                                                         \
      std::fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,                      \
                   std::string(_sluice_s.ToString()).c_str());                     \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

#endif  // SLUICE_CORE_STATUS_H_
