#pragma once
// The HTTP/1.1 response parser behind HttpUnixClient: a pure function over
// the bytes read so far, so it is unit-tested and fuzzed apart from the
// sockets. It reads what the Engine API sends (Content-Length or chunked
// bodies, a 100 Continue before the answer) and refuses anything past its
// size limit, whatever a hostile peer claims.

#include <cstddef>
#include <string>
#include <string_view>

namespace whyno::engine {

struct HttpResponse {
  long status = 0;      // HTTP status code
  std::string headers;  // raw header lines of the final response
  std::string body;
};

struct ParsedResponse {
  enum class State { incomplete, complete, invalid, too_large };
  State state = State::incomplete;
  HttpResponse response;     // complete: the final response, body decoded
  std::size_t consumed = 0;  // complete: the bytes of the input it used
  bool keep_alive = false;   // complete: the connection may carry another request
  /// incomplete: the input length below which parsing again cannot finish
  /// (a Content-Length body still arriving); 0 when any new byte may.
  std::size_t needed = 0;
  std::string problem;  // invalid: what is wrong, for an error sentence
};

/// Parses the response at the start of `bytes`. `at_eof`: the peer closed
/// the connection after them, which ends a body that has neither a length
/// nor chunks (and leaves any other incomplete). A body, or a header block,
/// over `max_bytes` is too_large.
ParsedResponse parse_http_response(std::string_view bytes, bool at_eof, std::size_t max_bytes);

}  // namespace whyno::engine
