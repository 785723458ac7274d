#pragma once
// Errors as values. Collectors return Result<T>; a missing fact is data
// (see Unread in facts.hpp), and only run() turns an Error into an exit code.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace whyno {

struct Error {
  enum class Kind {
    permission_denied,  // a capability or file permission is missing
    not_found,          // the thing asked for does not exist
    unavailable,        // a service (the engine) cannot be reached
    unsupported,        // the kernel or engine does not offer this
    invalid,            // data we could not parse
    io,                 // any other system call failure
  };
  Kind kind = Kind::io;
  std::string message;
  int error_number = 0;  // errno where one applies, else 0
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Error::Kind kind, std::string message, int error_number = 0) {
  return std::unexpected<Error>(Error{kind, std::move(message), error_number});
}

/// The one errno -> Error::Kind mapping: EPERM/EACCES permission_denied,
/// ENOENT/ESRCH not_found, EOPNOTSUPP/EPROTONOSUPPORT/EAFNOSUPPORT
/// unsupported, anything else io.
Error::Kind error_kind_of(int error_number);

/// "what: strerror(errno)", of the kind error_kind_of gives.
Error errno_error(int error_number, std::string_view what);

}  // namespace whyno

// Propagating a failure, as ccache's util/expected.hpp does: instead of
//   auto x = f(); if (!x) { return std::unexpected(x.error()); }
// write
//   WHYNO_TRY_ASSIGN(auto x, f());   // x is the value
//   WHYNO_TRY(g());                  // the value, if any, is not needed
// in a function whose return type is a std::expected with the same error.
#define WHYNO_CONCAT_INNER(a, b) a##b
#define WHYNO_CONCAT(a, b) WHYNO_CONCAT_INNER(a, b)
#define WHYNO_TRY_ASSIGN(declaration, expression)                                  \
  auto WHYNO_CONCAT(whyno_try_, __LINE__) = (expression);                          \
  if (!WHYNO_CONCAT(whyno_try_, __LINE__)) {                                       \
    return std::unexpected(std::move(WHYNO_CONCAT(whyno_try_, __LINE__)).error()); \
  }                                                                                \
  declaration = std::move(*WHYNO_CONCAT(whyno_try_, __LINE__))
#define WHYNO_TRY(expression)                                      \
  do {                                                             \
    if (auto whyno_try_result = (expression); !whyno_try_result) { \
      return std::unexpected(std::move(whyno_try_result).error()); \
    }                                                              \
  } while (false)
