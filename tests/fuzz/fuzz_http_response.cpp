// engine::parse_http_response, the HTTP/1.1 framing of every Engine API
// answer: the first byte says whether the peer closed after the rest (bit 0).
// The parser promises never to throw, never to read past its input and
// never to hand back a body over its limit.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/http_response.hpp"
#include "fuzz_input.hpp"

using namespace whyno::engine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = whyno::fuzz::text(data, size);
  if (input.empty()) {
    return 0;
  }
  const bool at_eof = (static_cast<unsigned char>(input.front()) & 1U) != 0;
  // A copy of its own size, so ASan sees a read past the end of the text.
  const std::string bytes(input.substr(1));
  constexpr std::size_t k_max = 1 << 16;
  const ParsedResponse parsed = parse_http_response(bytes, at_eof, k_max);
  if (parsed.state == ParsedResponse::State::complete) {
    WHYNO_FUZZ_CHECK(parsed.consumed <= bytes.size());
    WHYNO_FUZZ_CHECK(parsed.response.body.size() <= k_max);
    WHYNO_FUZZ_CHECK(parsed.response.status >= 200 && parsed.response.status <= 999);
  }
  if (parsed.state == ParsedResponse::State::invalid) {
    WHYNO_FUZZ_CHECK(!parsed.problem.empty());
  }
  return 0;
}
