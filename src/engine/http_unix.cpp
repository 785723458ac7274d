#include "http_unix.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

namespace whyno::engine {

namespace {

// Far above any real engine answer (a thousand containers list in ~5 MB),
// low enough that a runaway peer cannot exhaust memory.
constexpr std::size_t k_max_response_bytes = std::size_t{64} << 20;

void init_curl_once() {
  static std::once_flag once;
  // curl_global_init is not thread-safe; doing it once, early, is the rule.
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyCleanup {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};

std::size_t append_body(char* data, std::size_t size, std::size_t count,
                        void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  if (body->size() + bytes > k_max_response_bytes) {
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  body->append(data, bytes);
  return bytes;
}

std::size_t append_header(char* data, std::size_t size, std::size_t count,
                          void* user) {
  auto* headers = static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);
  // Keep only the final response's headers (not a 100 Continue's).
  if (line.starts_with("HTTP/")) {
    headers->clear();
  }
  if (headers->size() + bytes <= k_max_response_bytes) {
    headers->append(line);
  }
  return bytes;
}

Error connect_failure(const std::string& socket, long os_errno) {
  const auto error_number = static_cast<int>(os_errno);
  if (error_number == ENOENT) {
    return Error{Error::Kind::unavailable,
                 fmt::format("cannot reach the Docker engine: {} does not exist "
                             "(is dockerd running?)",
                             socket),
                 error_number};
  }
  if (error_number == ECONNREFUSED) {
    return Error{Error::Kind::unavailable,
                 fmt::format("cannot reach the Docker engine: nothing listens on "
                             "{} (is dockerd running?)",
                             socket),
                 error_number};
  }
  if (error_number == EACCES || error_number == EPERM) {
    return Error{Error::Kind::permission_denied,
                 fmt::format("cannot reach the Docker engine: permission denied on "
                             "{} (run as root or join the docker group)",
                             socket),
                 error_number};
  }
  if (error_number != 0) {
    return Error{Error::Kind::unavailable,
                 fmt::format("cannot reach the Docker engine: cannot connect to {} "
                             "({})",
                             socket, std::strerror(error_number)),
                 error_number};
  }
  return Error{Error::Kind::unavailable,
               fmt::format("cannot reach the Docker engine: cannot connect to {}",
                           socket)};
}

Error transfer_failure(CURLcode code, CURL* easy, const std::string& socket,
                       const std::string& path) {
  long os_errno = 0;
  curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return connect_failure(socket, os_errno);
    case CURLE_OPERATION_TIMEDOUT: {
      // Say what happened, with the time it really took: nothing took the
      // connection, the engine took it and never answered, or it began to
      // answer and stalled.
      curl_off_t connected_us = 0;
      curl_off_t pretransfer_us = 0;
      curl_off_t total_us = 0;
      long header_bytes = 0;
      curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected_us);
      curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
      curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
      curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
      const double seconds = static_cast<double>(total_us) / 1e6;
      if (connected_us == 0 && pretransfer_us == 0) {
        return Error{Error::Kind::unavailable,
                     fmt::format("cannot reach the Docker engine: nothing accepted a connection "
                                 "on {} within {:.1f} s (is dockerd hung?)",
                                 socket, seconds)};
      }
      if (header_bytes == 0) {
        return Error{Error::Kind::unavailable,
                     fmt::format("cannot reach the Docker engine: {} accepted the connection but "
                                 "sent no response to GET {} within {:.1f} s (is dockerd hung?)",
                                 socket, path, seconds)};
      }
      return Error{Error::Kind::unavailable,
                   fmt::format("cannot reach the Docker engine: {} began to answer GET {} and "
                               "stalled; no complete response within {:.1f} s (is dockerd hung?)",
                               socket, path, seconds)};
    }
    case CURLE_WRITE_ERROR:
      return Error{Error::Kind::io,
                   fmt::format("the engine's answer to GET {} exceeds {} MiB",
                               path, k_max_response_bytes >> 20)};
    default:
      return Error{Error::Kind::unavailable,
                   fmt::format("cannot reach the Docker engine: GET {} on {} failed "
                               "({})",
                               path, socket, curl_easy_strerror(code)),
                   static_cast<int>(os_errno)};
  }
}

}  // namespace

struct HttpUnixClient::Transfer {
  Ticket ticket = 0;
  std::string path;
  std::unique_ptr<CURL, EasyCleanup> easy;
  HttpResponse response;
  std::optional<Error> failed;  // set when it could not even be queued
};

void HttpUnixClient::MultiCleanup::operator()(CURLM* multi) const noexcept {
  curl_multi_cleanup(multi);
}

void HttpUnixClient::SlistFree::operator()(curl_slist* list) const noexcept {
  curl_slist_free_all(list);
}

HttpUnixClient::HttpUnixClient(std::string socket_path, HttpLimits limits)
    : m_socket_path(std::move(socket_path)),
      m_limits(limits),
      m_deadline(std::chrono::steady_clock::now() + limits.total) {
  init_curl_once();
  m_multi.reset(curl_multi_init());
  if (m_multi) {
    curl_multi_setopt(m_multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      m_limits.max_connections);
    curl_multi_setopt(m_multi.get(), CURLMOPT_MAXCONNECTS, m_limits.max_connections);
  }
  m_headers.reset(curl_slist_append(nullptr, "Accept: application/json"));
}

HttpUnixClient::~HttpUnixClient() {
  for (auto& [ticket, transfer] : m_transfers) {
    if (m_multi && transfer->easy && !transfer->failed) {
      curl_multi_remove_handle(m_multi.get(), transfer->easy.get());
    }
  }
}

long HttpUnixClient::remaining_ms() const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      m_deadline - std::chrono::steady_clock::now());
  return static_cast<long>(left.count());
}

HttpUnixClient::Ticket HttpUnixClient::start(const std::string& path) {
  auto transfer = std::make_unique<Transfer>();
  transfer->ticket = m_next_ticket++;
  transfer->path = path;
  const Ticket ticket = transfer->ticket;

  const long remaining = remaining_ms();
  if (remaining <= 0) {
    transfer->failed = Error{
        Error::Kind::unavailable,
        fmt::format("cannot reach the Docker engine: {} sent no complete response within "
                    "{:.1f} s (is dockerd hung?)",
                    m_socket_path, static_cast<double>(m_limits.total.count()) / 1000.0)};
    m_transfers.emplace(ticket, std::move(transfer));
    return ticket;
  }
  transfer->easy.reset(curl_easy_init());
  CURL* easy = transfer->easy.get();
  if (!m_multi || !easy) {
    transfer->failed = Error{Error::Kind::io, "cannot initialise libcurl"};
    m_transfers.emplace(ticket, std::move(transfer));
    return ticket;
  }
  const std::string url = "http://localhost" + path;
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, m_socket_path.c_str());
  // "" ignores http_proxy and friends: the engine is local, never proxied.
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, remaining);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   std::min(remaining, static_cast<long>(m_limits.connect.count())));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, m_headers.get());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer->response.body);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, append_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer->response.headers);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
  if (curl_multi_add_handle(m_multi.get(), easy) != CURLM_OK) {
    transfer->failed = Error{Error::Kind::io, "cannot queue a libcurl transfer"};
  }
  m_transfers.emplace(ticket, std::move(transfer));
  return ticket;
}

std::optional<std::pair<HttpUnixClient::Ticket, Result<HttpResponse>>>
HttpUnixClient::finish_one() {
  for (auto it = m_transfers.begin(); it != m_transfers.end(); ++it) {
    if (it->second->failed) {
      auto node = m_transfers.extract(it);
      return std::pair{node.key(), Result<HttpResponse>(std::unexpected(
                                       std::move(*node.mapped()->failed)))};
    }
  }
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(m_multi.get(), &queued)) {
    if (message->msg != CURLMSG_DONE) {
      continue;
    }
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;
    Transfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    curl_multi_remove_handle(m_multi.get(), easy);
    auto node = m_transfers.extract(transfer->ticket);
    if (code != CURLE_OK) {
      return std::pair{node.key(),
                       Result<HttpResponse>(std::unexpected(transfer_failure(
                           code, easy, m_socket_path, transfer->path)))};
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &transfer->response.status);
    return std::pair{node.key(), Result<HttpResponse>(std::move(transfer->response))};
  }
  return std::nullopt;
}

std::optional<std::pair<HttpUnixClient::Ticket, Result<HttpResponse>>>
HttpUnixClient::next() {
  while (!m_transfers.empty()) {
    if (auto done = finish_one()) {
      return done;
    }
    int running = 0;
    if (curl_multi_perform(m_multi.get(), &running) != CURLM_OK) {
      auto node = m_transfers.extract(m_transfers.begin());
      curl_multi_remove_handle(m_multi.get(), node.mapped()->easy.get());
      return std::pair{node.key(),
                       Result<HttpResponse>(std::unexpected(Error{
                           Error::Kind::io, "libcurl failed to run a transfer"}))};
    }
    if (auto done = finish_one()) {
      return done;
    }
    // Every transfer carries its own timeout, so this wait always ends.
    curl_multi_poll(m_multi.get(), nullptr, 0, 1000, nullptr);
  }
  return std::nullopt;
}

Result<HttpResponse> HttpUnixClient::get(const std::string& path) {
  const Ticket ticket = start(path);
  while (auto done = next()) {
    if (done->first == ticket) {
      return std::move(done->second);
    }
  }
  return std::unexpected(Error{Error::Kind::io, "lost track of a libcurl transfer"});
}

}  // namespace whyno::engine
