// kernel::parse_links and kernel::parse_routes (libnl-route's message
// parsers underneath) on raw rtnetlink dump bytes.
// Input: LINKS <sep> ADDRESSES <sep> ROUTES (fuzz_input.hpp).
// Seeds: tests/fixtures/rtnl/*/{links,addrs,routes}.bin.

#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "kernel/links.hpp"

using namespace whyno;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = fuzz::sections(fuzz::text(data, size), 3);
  const auto interfaces = kernel::parse_links(parts[0], parts[1]);
  for (std::size_t i = 1; i < interfaces.size(); ++i) {
    WHYNO_FUZZ_CHECK(interfaces[i - 1].index < interfaces[i].index);  // sorted, one per index
  }
  for (const Interface& i : interfaces) {
    for (const InterfaceAddress& a : i.addresses) {
      WHYNO_FUZZ_CHECK(!a.address.to_string().empty());
    }
  }
  for (const Route& r : kernel::parse_routes(parts[2])) {
    WHYNO_FUZZ_CHECK(r.table == 254 || r.table == 255);
    WHYNO_FUZZ_CHECK(!r.destination.to_string().empty());
    WHYNO_FUZZ_CHECK(!r.has_gateway || r.gateway.family() == r.destination.address.family());
    (void)r.destination.contains(r.gateway);
  }
  return 0;
}
