#pragma once
// A small HTTP/1.1 GET client over a unix socket, on libcurl's multi
// interface: requests run concurrently over a few kept-alive connections, and
// finished ones come back one at a time, so a caller can queue follow-up
// requests (the inspects after the container list) while others still run.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <curl/curl.h>

#include "whyno/util/result.hpp"

namespace whyno::engine {

struct HttpResponse {
  long status = 0;      // HTTP status code
  std::string headers;  // raw header lines of the final response
  std::string body;
};

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
  struct Transfer;
  struct MultiCleanup {
    void operator()(CURLM* multi) const noexcept;
  };
  struct SlistFree {
    void operator()(curl_slist* list) const noexcept;
  };

  std::optional<std::pair<Ticket, Result<HttpResponse>>> finish_one();
  long remaining_ms() const;

  std::string m_socket_path;
  HttpLimits m_limits;
  std::chrono::steady_clock::time_point m_deadline;
  std::unique_ptr<CURLM, MultiCleanup> m_multi;
  std::unique_ptr<curl_slist, SlistFree> m_headers;
  // Declared after m_multi so transfers are destroyed first; the destructor
  // detaches them from the multi handle before either goes.
  std::map<Ticket, std::unique_ptr<Transfer>> m_transfers;
  Ticket m_next_ticket = 0;
};

}  // namespace whyno::engine
