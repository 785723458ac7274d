#pragma once
// Errors as values. Collectors return Result<T>; a missing fact is data
// (see Unread in facts.hpp), and only run() turns an Error into an exit code.

#include <expected>
#include <string>
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

inline std::unexpected<Error> fail(Error::Kind kind, std::string message,
                                   int error_number = 0) {
  return std::unexpected<Error>(Error{kind, std::move(message), error_number});
}

}  // namespace whyno
