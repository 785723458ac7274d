// Errors as values: one errno mapping, and the propagation helpers.

#include <doctest/doctest.h>

#include <cerrno>

#include "whyno/util/result.hpp"

using namespace whyno;

namespace {

Result<int> half(int n) {
  if (n % 2 != 0) {
    return fail(Error::Kind::invalid, "odd");
  }
  return n / 2;
}

Result<int> quarter(int n) {
  WHYNO_TRY_ASSIGN(const int h, half(n));
  WHYNO_TRY_ASSIGN(const int q, half(h));
  return q;
}

Result<void> check_even(int n) {
  WHYNO_TRY(half(n));
  return {};
}

}  // namespace

TEST_SUITE_BEGIN("util_result");

TEST_CASE("one errno mapping for every reader") {
  CHECK(error_kind_of(EPERM) == Error::Kind::permission_denied);
  CHECK(error_kind_of(EACCES) == Error::Kind::permission_denied);
  CHECK(error_kind_of(ENOENT) == Error::Kind::not_found);
  CHECK(error_kind_of(ESRCH) == Error::Kind::not_found);
  CHECK(error_kind_of(EOPNOTSUPP) == Error::Kind::unsupported);
  CHECK(error_kind_of(EPROTONOSUPPORT) == Error::Kind::unsupported);
  CHECK(error_kind_of(EIO) == Error::Kind::io);
  const Error e = errno_error(ENOENT, "cannot open /proc/1/ns/net");
  CHECK(e.message == "cannot open /proc/1/ns/net: No such file or directory");
  CHECK(e.error_number == ENOENT);
}

TEST_CASE("WHYNO_TRY_ASSIGN and WHYNO_TRY pass the first failure up") {
  CHECK(*quarter(12) == 3);
  CHECK(quarter(6).error().message == "odd");  // 6 -> 3, then odd
  CHECK(quarter(5).error().message == "odd");
  CHECK(check_even(4).has_value());
  CHECK_FALSE(check_even(3).has_value());
}

TEST_SUITE_END();
