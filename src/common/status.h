// Status and Result<T>: how every module reports an expected failure.
//
// Sits at the bottom of the pipeline; every module uses it. Library code
// never throws across a module boundary, never prints and never exits: it
// returns a Status (or a Result<T> holding a value or a Status) and the
// command mains in tools/ decide what to print and which exit code to use.
//
// Thread-safety: values, no shared state.
#ifndef DG_COMMON_STATUS_H_
#define DG_COMMON_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/check.h"

namespace dg {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flag, bad config value, bad request
  kNotFound,         // missing file or key
  kIoError,          // read or write failed
  kDataLoss,         // corrupt or truncated input
  kOutOfRange,       // a limit was exceeded
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    DG_CHECK(!status_.ok());
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & {
    DG_CHECK(ok());
    return *value_;
  }
  const T& value() const& {
    DG_CHECK(ok());
    return *value_;
  }
  T&& value() && {
    DG_CHECK(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace dg

// Returns early from the calling function when `expr` (a Status) is not OK.
#define DG_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::dg::Status dg_status_ = (expr);        \
    if (!dg_status_.ok()) return dg_status_; \
  } while (false)

#endif  // DG_COMMON_STATUS_H_
