// Status helpers. sluice uses absl::Status / absl::StatusOr everywhere; nothing throws across the API.
#ifndef SLUICE_CORE_STATUS_H_
#define SLUICE_CORE_STATUS_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace sluice {

using absl::Status;
using absl::StatusOr;

namespace errors {

// Every sluice error message is one line of bounded length, whatever user data it quotes: the
// helpers below pass their message through OneLine, which escapes control bytes (a newline
// becomes "\\n", other bytes below 0x20 and 0x7f become "\\xNN") and elides the middle of
// messages longer than kMaxMessageBytes.
inline constexpr size_t kMaxMessageBytes = 4096;
std::string OneLine(absl::string_view message);

// User data quoted in a message (a node or tensor name from a file, an op name, a header): every
// byte outside printable ASCII escaped as "\\xNN" (newline as "\\n"), and at most `max_bytes`
// of it kept, the rest summarized as "...(N bytes)". Use it for anything a file or a caller
// supplies that has not been validated yet.
inline constexpr size_t kMaxEchoBytes = 160;
std::string Echo(absl::string_view data, size_t max_bytes = kMaxEchoBytes);

#define SLUICE_ERROR_HELPER(Name, Factory)                              \
  template <typename... Args>                                            \
  Status Name(const Args&... args) {                                     \
    return Factory(OneLine(absl::StrCat(args...)));                      \
  }
SLUICE_ERROR_HELPER(InvalidArgument, absl::InvalidArgumentError)
SLUICE_ERROR_HELPER(NotFound, absl::NotFoundError)
SLUICE_ERROR_HELPER(FailedPrecondition, absl::FailedPreconditionError)
SLUICE_ERROR_HELPER(Unimplemented, absl::UnimplementedError)
SLUICE_ERROR_HELPER(Internal, absl::InternalError)
SLUICE_ERROR_HELPER(DataLoss, absl::DataLossError)
SLUICE_ERROR_HELPER(OutOfRange, absl::OutOfRangeError)
SLUICE_ERROR_HELPER(AlreadyExists, absl::AlreadyExistsError)
SLUICE_ERROR_HELPER(ResourceExhausted, absl::ResourceExhaustedError)
SLUICE_ERROR_HELPER(PermissionDenied, absl::PermissionDeniedError)
SLUICE_ERROR_HELPER(Unknown, absl::UnknownError)
SLUICE_ERROR_HELPER(Cancelled, absl::CancelledError)
SLUICE_ERROR_HELPER(DeadlineExceeded, absl::DeadlineExceededError)
#undef SLUICE_ERROR_HELPER

// Returns `s` with `prefix` prepended to its message, keeping its code (and one line).
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
