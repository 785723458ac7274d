#pragma once
// A small HTTP/1.1 GET client over a unix socket: requests run concurrently
// over a few kept-alive connections, and finished ones come back one at a
// time, so a caller can queue follow-up requests (the inspects after the
// container list) while others still run. Its own, on poll(2), rather than
// libcurl's: the Engine API needs GET and two body framings, and linking
// libcurl's dependencies cost every run of whyno-port about 10 ms of
// loading before main().

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http_response.hpp"
#include "whyno/util/result.hpp"

namespace whyno::engine {

struct HttpLimits {
  std::chrono::milliseconds total{5000};    // for everything this client does
  std::chrono::milliseconds connect{1000};  // for each connection
  // Requests in flight at once, each on its own kept-alive connection.
  // dockerd answers each on its own goroutine; beyond a handful, more
  // connections only add setup cost.
  long max_connections = 6;
};

class HttpUnixClient {
 public:
  using Ticket = std::size_t;

  explicit HttpUnixClient(std::string socket_path, HttpLimits limits = {});
  ~HttpUnixClient();
  HttpUnixClient(const HttpUnixClient&) = delete;
  HttpUnixClient& operator=(const HttpUnixClient&) = delete;

  /// Queues GET `path` (e.g. "/v1.41/info"). It runs during next().
  Ticket start(const std::string& path);

  /// Waits for one queued request to finish and returns it; nullopt when
  /// nothing is queued. A transport failure is an Error with one sentence
  /// ("cannot reach the Docker engine: ..."); any HTTP status is a response.
  std::optional<std::pair<Ticket, Result<HttpResponse>>> next();

  /// start() + next() until that request is done. Use it only when nothing
  /// else is queued (other results would be dropped).
  Result<HttpResponse> get(const std::string& path);

  const std::string& socket_path() const { return m_socket_path; }

 private:
  struct Request {
    Ticket ticket = 0;
    std::string path;
    bool retried = false;  // sent again after a kept-alive connection closed unused
  };
  struct Connection;

  void dispatch();
  bool open_connection(Connection& c);
  void send_on(Connection& c, Request request);
  void on_ready(Connection& c, short events);
  void finish(Connection& c, Result<HttpResponse> result, bool reusable);
  void fail_on_deadline();
  std::chrono::milliseconds poll_timeout() const;

  std::string m_socket_path;
  HttpLimits m_limits;
  std::chrono::steady_clock::time_point m_deadline;
  std::deque<Request> m_queued;
  std::vector<std::unique_ptr<Connection>> m_connections;
  std::deque<std::pair<Ticket, Result<HttpResponse>>> m_done;
  Ticket m_next_ticket = 0;
};

}  // namespace whyno::engine
