// kernel::parse_inet_diag on raw SOCK_DIAG_BY_FAMILY reply bytes, read once
// as a TCP dump and once as a UDP dump.
// Seeds: tests/fixtures/sock_diag/*/*.bin.

#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "kernel/sock_diag.hpp"

using namespace whyno;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto reply = fuzz::bytes(data, size);
  for (const Protocol protocol : {Protocol::tcp, Protocol::udp}) {
    for (const Listener& l : kernel::parse_inet_diag(reply, protocol)) {
      WHYNO_FUZZ_CHECK(l.protocol == protocol);
      WHYNO_FUZZ_CHECK(protocol == Protocol::tcp || (l.port != 0 && l.accept_queue == 0));
      WHYNO_FUZZ_CHECK(!l.address.to_string().empty());
    }
  }
  return 0;
}
