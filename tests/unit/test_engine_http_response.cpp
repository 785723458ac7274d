// engine::parse_http_response: the framings dockerd and podman send, and
// what a hostile peer may send instead.

#include <doctest/doctest.h>

#include <string>

#include "engine/http_response.hpp"

using namespace whyno::engine;
using State = ParsedResponse::State;

namespace {

constexpr std::size_t k_max = 1 << 20;

ParsedResponse parse(const std::string& bytes, bool at_eof = false, std::size_t max = k_max) {
  return parse_http_response(bytes, at_eof, max);
}

}  // namespace

TEST_SUITE_BEGIN("engine_http_response");

TEST_CASE("a Content-Length body, whole and arriving") {
  const std::string whole = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK";
  const auto done = parse(whole);
  REQUIRE(done.state == State::complete);
  CHECK(done.response.status == 200);
  CHECK(done.response.body == "OK");
  CHECK(done.response.headers.find("Api-Version: 1.41\r\n") != std::string::npos);
  CHECK(done.consumed == whole.size());
  CHECK(done.keep_alive);

  const auto part = parse(whole.substr(0, whole.size() - 1));
  CHECK(part.state == State::incomplete);
  CHECK(part.needed == whole.size());  // nothing to parse again before then
  CHECK(parse(whole.substr(0, 20)).state == State::incomplete);
  // Closed before the length was sent: still incomplete, the caller says truncated.
  CHECK(parse(whole.substr(0, whole.size() - 1), true).state == State::incomplete);
}

TEST_CASE("chunked bodies, with extensions and trailers, in any case of hex") {
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=x\r\n[{\"a\"\r\nA\r\n:1},{\"b\":2\r\n1\r\n]\r\n0\r\nX-Trailer: y\r\n\r\n";
  const auto done = parse(chunked);
  REQUIRE(done.state == State::complete);
  CHECK(done.response.body == R"([{"a":1},{"b":2])");
  CHECK(done.consumed == chunked.size());
  for (std::size_t cut = 0; cut < chunked.size(); ++cut) {
    INFO(cut);
    CHECK(parse(chunked.substr(0, cut)).state == State::incomplete);
  }
  CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").state == State::invalid);
  CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n").state == State::invalid);
}

TEST_CASE("a 100 Continue is skipped; a body without length ends with the connection") {
  const auto after =
      parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  REQUIRE(after.state == State::complete);
  CHECK(after.response.status == 404);
  CHECK(after.response.headers.starts_with("HTTP/1.1 404"));

  const std::string until_close = "HTTP/1.0 200 OK\r\n\r\n[1,2]";
  CHECK(parse(until_close).state == State::incomplete);
  const auto closed = parse(until_close, true);
  REQUIRE(closed.state == State::complete);
  CHECK(closed.response.body == "[1,2]");
  CHECK_FALSE(closed.keep_alive);
  CHECK_FALSE(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keep_alive);
  CHECK(parse("HTTP/1.1 204 No Content\r\n\r\n").state == State::complete);
}

TEST_CASE("more than the limit is refused, whatever is claimed") {
  CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n").state ==
        State::too_large);
  CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", false, 10).state == State::too_large);
  CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\n").state ==
        State::too_large);
  CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n123456\r\n", false, 5).state ==
        State::too_large);
  CHECK(parse(std::string(32, 'x'), false, 16).state == State::too_large);  // headers that never end
  CHECK(parse("HTTP/1.0 200 OK\r\n\r\n" + std::string(32, 'x'), false, 16).state == State::too_large);
}

TEST_CASE("what is not HTTP/1.x is invalid, with a reason") {
  for (const char* bad : {"SSH-2.0-OpenSSH\r\n\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                          "HTTP/1.1 099 X\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"}) {
    INFO(bad);
    const auto parsed = parse(bad);
    CHECK(parsed.state == State::invalid);
    CHECK_FALSE(parsed.problem.empty());
  }
}

TEST_SUITE_END();
