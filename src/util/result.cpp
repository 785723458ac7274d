#include "whyno/util/result.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace whyno {

Error::Kind error_kind_of(int error_number) {
  switch (error_number) {
    case EPERM:
    case EACCES:
      return Error::Kind::permission_denied;
    case ENOENT:
    case ESRCH:
      return Error::Kind::not_found;
    case EOPNOTSUPP:
    case EPROTONOSUPPORT:
    case EAFNOSUPPORT:
      return Error::Kind::unsupported;
    default:
      return Error::Kind::io;
  }
}

Error errno_error(int error_number, std::string_view what) {
  return Error{error_kind_of(error_number), fmt::format("{}: {}", what, std::strerror(error_number)),
               error_number};
}

}  // namespace whyno
