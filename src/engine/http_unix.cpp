#include "http_unix.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "whyno/sys/fd.hpp"

namespace whyno::engine {

namespace {

using Clock = std::chrono::steady_clock;

// Far above any real engine answer (a thousand containers list in ~5 MB),
// low enough that a runaway peer cannot exhaust memory.
constexpr std::size_t k_max_response_bytes = std::size_t{64} << 20;
// A unix socket whose backlog is full refuses a non-blocking connect with
// EAGAIN and offers nothing to poll for: try again this often.
constexpr std::chrono::milliseconds k_connect_retry{10};

double seconds_since(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
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
               fmt::format("cannot reach the Docker engine: cannot connect to {}", socket)};
}

Error broken(const std::string& socket, const std::string& path, std::string_view what) {
  return Error{Error::Kind::unavailable,
               fmt::format("cannot reach the Docker engine: GET {} on {} failed ({})", path, socket, what)};
}

}  // namespace

struct HttpUnixClient::Connection {
  enum class State : std::uint8_t { closed, retrying, connecting, connected };
  State state = State::closed;
  sys::Fd fd;
  Clock::time_point connect_started;
  std::optional<Request> request;
  Clock::time_point queued_at;  // when the request was queued: its time so far
  std::string out;              // the request's bytes not yet sent
  std::string in;               // the answer's bytes so far
  std::size_t needed = 0;       // parse again once `in` is this long
  bool used = false;            // answered before: the engine may close it while idle

  void close() {
    fd = sys::Fd();
    state = State::closed;
    used = false;
  }
};

HttpUnixClient::HttpUnixClient(std::string socket_path, HttpLimits limits)
    : m_socket_path(std::move(socket_path)), m_limits(limits), m_deadline(Clock::now() + limits.total) {}

HttpUnixClient::~HttpUnixClient() = default;

HttpUnixClient::Ticket HttpUnixClient::start(const std::string& path) {
  const Ticket ticket = m_next_ticket++;
  if (Clock::now() >= m_deadline) {
    m_done.emplace_back(
        ticket, std::unexpected(
                    Error{Error::Kind::unavailable,
                          fmt::format("cannot reach the Docker engine: {} sent no complete "
                                      "response within {:.1f} s (is dockerd hung?)",
                                      m_socket_path, static_cast<double>(m_limits.total.count()) / 1000.0)}));
    return ticket;
  }
  m_queued.push_back({ticket, path, false});
  return ticket;
}

/// Connects `c` without blocking: connected, still trying (a full backlog),
/// or an error for the request that waits on it.
bool HttpUnixClient::open_connection(Connection& c) {
  if (c.state == Connection::State::closed) {
    c.fd = sys::Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.fd) {
      finish(c, std::unexpected(connect_failure(m_socket_path, errno)), false);
      return false;
    }
    c.connect_started = Clock::now();
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (m_socket_path.size() >= sizeof address.sun_path) {
    finish(c, std::unexpected(connect_failure(m_socket_path, ENAMETOOLONG)), false);
    return false;
  }
  std::memcpy(address.sun_path, m_socket_path.c_str(), m_socket_path.size() + 1);
  if (::connect(c.fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    c.state = Connection::State::connected;
    return true;
  }
  if (errno == EAGAIN) {
    c.state = Connection::State::retrying;
    return true;
  }
  if (errno == EINPROGRESS) {
    c.state = Connection::State::connecting;
    return true;
  }
  finish(c, std::unexpected(connect_failure(m_socket_path, errno)), false);
  return false;
}

void HttpUnixClient::send_on(Connection& c, Request request) {
  c.out = fmt::format("GET {} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n", request.path);
  c.in.clear();
  c.needed = 0;
  c.request = std::move(request);
  if (c.state == Connection::State::closed) {
    open_connection(c);
  }
}

void HttpUnixClient::dispatch() {
  while (!m_queued.empty()) {
    Connection* slot = nullptr;
    // A kept-alive connection first, then a closed slot, then a new one.
    for (const auto& c : m_connections) {
      if (!c->request && c->state == Connection::State::connected) {
        slot = c.get();
        break;
      }
    }
    for (auto it = m_connections.begin(); slot == nullptr && it != m_connections.end(); ++it) {
      if (!(*it)->request) {
        slot = it->get();
      }
    }
    if (slot == nullptr) {
      if (m_connections.size() >= static_cast<std::size_t>(std::max(1L, m_limits.max_connections))) {
        return;
      }
      m_connections.push_back(std::make_unique<Connection>());
      slot = m_connections.back().get();
    }
    Request request = std::move(m_queued.front());
    m_queued.pop_front();
    slot->queued_at = Clock::now();
    send_on(*slot, std::move(request));
  }
}

void HttpUnixClient::finish(Connection& c, Result<HttpResponse> result, bool reusable) {
  m_done.emplace_back(c.request->ticket, std::move(result));
  c.request.reset();
  c.in.clear();
  c.out.clear();
  if (reusable) {
    c.used = true;
  } else {
    c.close();
  }
}

void HttpUnixClient::fail_on_deadline() {
  for (const auto& c : m_connections) {
    if (!c->request) {
      continue;
    }
    const double seconds = seconds_since(c->queued_at);
    const std::string& path = c->request->path;
    std::string message;
    if (c->state != Connection::State::connected) {
      message = fmt::format(
          "cannot reach the Docker engine: nothing accepted a connection on {} within "
          "{:.1f} s (is dockerd hung?)",
          m_socket_path, seconds);
    } else if (c->in.empty()) {
      message = fmt::format(
          "cannot reach the Docker engine: {} accepted the connection but sent no "
          "response to GET {} within {:.1f} s (is dockerd hung?)",
          m_socket_path, path, seconds);
    } else {
      message = fmt::format(
          "cannot reach the Docker engine: {} began to answer GET {} and stalled; no "
          "complete response within {:.1f} s (is dockerd hung?)",
          m_socket_path, path, seconds);
    }
    finish(*c, std::unexpected(Error{Error::Kind::unavailable, std::move(message)}), false);
  }
  while (!m_queued.empty()) {
    m_done.emplace_back(
        m_queued.front().ticket,
        std::unexpected(
            Error{Error::Kind::unavailable,
                  fmt::format("cannot reach the Docker engine: {} sent no "
                              "complete response within {:.1f} s (is "
                              "dockerd hung?)",
                              m_socket_path, static_cast<double>(m_limits.total.count()) / 1000.0)}));
    m_queued.pop_front();
  }
}

std::chrono::milliseconds HttpUnixClient::poll_timeout() const {
  const Clock::time_point now = Clock::now();
  Clock::time_point until = m_deadline;
  for (const auto& c : m_connections) {
    if (c->request && c->state != Connection::State::connected) {
      until = std::min(until, c->connect_started + m_limits.connect);
      if (c->state == Connection::State::retrying) {
        until = std::min(until, now + k_connect_retry);
      }
    }
  }
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now);
  return std::max(left, std::chrono::milliseconds{0});
}

void HttpUnixClient::on_ready(Connection& c, short events) {
  const std::string& path = c.request->path;
  if (c.state == Connection::State::connecting) {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
      error = errno;
    }
    if (error != 0) {
      finish(c, std::unexpected(connect_failure(m_socket_path, error)), false);
      return;
    }
    c.state = Connection::State::connected;
  }
  if ((events & POLLOUT) != 0 && !c.out.empty()) {
    const ssize_t sent = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno != EAGAIN && errno != EINTR) {
      if (c.used && !c.request->retried) {
        // The engine closed a kept-alive connection while it was idle: the
        // request never reached it, so it may go again on a new one.
        Request again = std::move(*c.request);
        again.retried = true;
        c.request.reset();
        c.close();
        m_queued.push_front(std::move(again));
        return;
      }
      finish(c, std::unexpected(broken(m_socket_path, path, std::strerror(errno))), false);
      return;
    }
    if (sent > 0) {
      c.out.erase(0, static_cast<std::size_t>(sent));
    }
  }
  if ((events & (POLLIN | POLLHUP | POLLERR)) == 0) {
    return;
  }
  bool eof = false;
  std::array<char, 65536> buffer{};
  while (true) {
    const ssize_t n = ::read(c.fd.get(), buffer.data(), buffer.size());
    if (n > 0) {
      c.in.append(buffer.data(), static_cast<std::size_t>(n));
      if (c.in.size() > k_max_response_bytes + (std::size_t{1} << 20)) {
        break;  // the parser says too large
      }
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      eof = true;  // closed, or reset (ECONNRESET): nothing more will come
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    break;
  }
  if (c.in.size() < c.needed && !eof) {
    return;
  }
  ParsedResponse parsed = parse_http_response(c.in, eof, k_max_response_bytes);
  switch (parsed.state) {
    case ParsedResponse::State::complete:
      finish(c, std::move(parsed.response), parsed.keep_alive && !eof && parsed.consumed == c.in.size());
      return;
    case ParsedResponse::State::too_large:
      finish(
          c,
          std::unexpected(Error{Error::Kind::io, fmt::format("the engine's answer to GET {} exceeds {} MiB",
                                                             path, k_max_response_bytes >> 20)}),
          false);
      return;
    case ParsedResponse::State::invalid:
      finish(c, std::unexpected(broken(m_socket_path, path, "its answer is not HTTP/1.1: " + parsed.problem)),
             false);
      return;
    case ParsedResponse::State::incomplete:
      break;
  }
  if (!eof) {
    c.needed = parsed.needed;
    return;
  }
  if (c.in.empty() && c.used && !c.request->retried) {
    Request again = std::move(*c.request);  // closed while idle, as above
    again.retried = true;
    c.request.reset();
    c.close();
    m_queued.push_front(std::move(again));
    return;
  }
  finish(c,
         std::unexpected(broken(m_socket_path, path,
                                c.in.empty() ? "the engine closed the connection without answering"
                                             : "the engine closed the connection after a partial, "
                                               "truncated answer")),
         false);
}

std::optional<std::pair<HttpUnixClient::Ticket, Result<HttpResponse>>> HttpUnixClient::next() {
  while (true) {
    dispatch();
    if (!m_done.empty()) {
      auto done = std::move(m_done.front());
      m_done.pop_front();
      return done;
    }
    std::vector<Connection*> busy;
    for (const auto& c : m_connections) {
      if (c->request) {
        busy.push_back(c.get());
      }
    }
    if (busy.empty()) {
      return std::nullopt;
    }
    const Clock::time_point now = Clock::now();
    if (now >= m_deadline) {
      fail_on_deadline();
      continue;
    }
    std::vector<pollfd> polled;
    std::vector<Connection*> owners;
    for (Connection* c : busy) {
      if (c->state != Connection::State::connected && now >= c->connect_started + m_limits.connect) {
        finish(*c,
               std::unexpected(Error{Error::Kind::unavailable,
                                     fmt::format("cannot reach the Docker engine: nothing accepted a "
                                                 "connection on {} within {:.1f} s (is dockerd hung?)",
                                                 m_socket_path, seconds_since(c->connect_started))}),
               false);
        continue;
      }
      if (c->state == Connection::State::retrying) {
        open_connection(*c);
        if (!c->request || c->state == Connection::State::retrying) {
          continue;
        }
      }
      const short events = c->state == Connection::State::connecting
                               ? static_cast<short>(POLLOUT)
                               : static_cast<short>(POLLIN | (c->out.empty() ? 0 : POLLOUT));
      polled.push_back({c->fd.get(), events, 0});
      owners.push_back(c);
    }
    if (!m_done.empty()) {
      continue;
    }
    const int ready = ::poll(polled.data(), polled.size(), static_cast<int>(poll_timeout().count()));
    if (ready < 0 && errno != EINTR) {
      for (Connection* c : owners) {
        finish(*c, std::unexpected(broken(m_socket_path, c->request->path, std::strerror(errno))), false);
      }
      continue;
    }
    for (std::size_t i = 0; ready > 0 && i < polled.size(); ++i) {
      if (polled[i].revents != 0 && owners[i]->request) {
        on_ready(*owners[i], polled[i].revents);
      }
    }
  }
}

Result<HttpResponse> HttpUnixClient::get(const std::string& path) {
  const Ticket ticket = start(path);
  while (auto done = next()) {
    if (done->first == ticket) {
      return std::move(done->second);
    }
  }
  return std::unexpected(Error{Error::Kind::io, "lost track of a request to the engine"});
}

}  // namespace whyno::engine
