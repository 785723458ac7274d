// Dialling one address: TCP connect or one UDP datagram, and what came back.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "probe_steps.hpp"
#include "whyno/sys/fd.hpp"

namespace whyno::probe::steps {

namespace {

using Outcome = ProbeResult::Outcome;

constexpr std::size_t k_max_first_line = 80;

// What curl prints for the same event, so the user recognises it.
constexpr const char* k_reset_detail = "reset right after connecting (curl: Connection reset by peer)";

int pending_error(const sys::Fd& fd) {
  int error_number = 0;
  socklen_t length = sizeof error_number;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error_number, &length) != 0) {
    return errno;
  }
  return error_number;
}

long elapsed_ms(Deadline::Clock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Deadline::Clock::now() - since).count());
}

Observation dial_tcp(const SocketAddress& to, std::chrono::milliseconds settle, const Deadline& deadline) {
  sys::Fd fd(::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return {Outcome::error, fmt::format("socket: {}", std::strerror(errno))};
  }
  const auto started = Deadline::Clock::now();
  if (::connect(fd.get(), to.get(), to.length) != 0) {
    if (errno != EINPROGRESS) {
      return classify_socket_error(errno, "connect");
    }
    const int events = wait_for(fd.get(), POLLOUT, deadline);
    if (events < 0) {
      return {Outcome::error, fmt::format("poll: {}", std::strerror(errno))};
    }
    if (events == 0) {
      return {Outcome::timed_out,
              fmt::format("no answer to the connection attempt within {} ms", elapsed_ms(started))};
    }
    if (const int error_number = pending_error(fd); error_number != 0) {
      return classify_socket_error(error_number, "connect");
    }
  }
  return observe_connected(fd.get(), settle, deadline);
}

Observation dial_udp(const SocketAddress& to, const Deadline& deadline) {
  sys::Fd fd(::socket(to.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return {Outcome::error, fmt::format("socket: {}", std::strerror(errno))};
  }
  // Connected, so the kernel hands ICMP port unreachable back as ECONNREFUSED.
  if (::connect(fd.get(), to.get(), to.length) != 0) {
    return classify_socket_error(errno, "connect");
  }
  const char nothing = 0;
  if (::send(fd.get(), &nothing, 0, 0) < 0) {
    return classify_socket_error(errno, "send");
  }
  const int events = wait_for(fd.get(), POLLIN, deadline);
  if (events < 0) {
    return {Outcome::error, fmt::format("poll: {}", std::strerror(errno))};
  }
  if (events == 0) {
    return {Outcome::timed_out, "no reply (UDP gives no sign when nothing listens behind a proxy)"};
  }
  std::array<char, 512> buffer{};
  const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
  if (n == 0) {
    return {Outcome::answered, "an empty datagram"};
  }
  if (n > 0) {
    return {Outcome::answered, first_line({buffer.data(), static_cast<std::size_t>(n)})};
  }
  if (errno == ECONNREFUSED) {
    return {Outcome::refused, "ICMP port unreachable: nothing listens on that port"};
  }
  return classify_socket_error(errno, "recv");
}

}  // namespace

// A peer that accepts and resets at once shows up at whichever stage the RST
// happens to beat: connect()'s own result, SO_ERROR once the handshake is done,
// or the first read. Only timing decides which, so each means the same.
Observation classify_socket_error(int error_number, std::string_view call) {
  switch (error_number) {
    case ECONNRESET:
    case EPIPE:
      return {Outcome::reset_or_closed, k_reset_detail};
    case ECONNREFUSED:
      return {Outcome::refused, std::strerror(error_number)};
    case EHOSTUNREACH:
    case ENETUNREACH:
      return {Outcome::unreachable, std::strerror(error_number)};
    case ETIMEDOUT:
      return {Outcome::timed_out, std::strerror(error_number)};
    default:
      return {Outcome::error, fmt::format("{}: {}", call, std::strerror(error_number))};
  }
}

// Once connected, listen briefly: what the peer does in the first moments
// tells a live app (silence or a banner) from docker-proxy or an app that
// drops the connection (EOF or RST).
Observation observe_connected(int fd, std::chrono::milliseconds settle, const Deadline& deadline) {
  const int settle_ms = std::min(static_cast<int>(settle.count()), deadline.remaining_ms());
  const int events =
      wait_for(fd, static_cast<short>(POLLIN | POLLRDHUP), Deadline(std::chrono::milliseconds(settle_ms)));
  if (events < 0) {
    return {Outcome::error, fmt::format("poll: {}", std::strerror(errno))};
  }
  const std::string silent = fmt::format("connected; the peer sent nothing within {} ms", settle_ms);
  if (events == 0) {
    return {Outcome::connected, silent};
  }
  std::array<char, 256> buffer{};
  const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
  if (n > 0) {
    return {Outcome::answered, first_line({buffer.data(), static_cast<std::size_t>(n)})};
  }
  if (n == 0) {
    return {Outcome::reset_or_closed, "closed right after connecting (curl: Empty reply from server)"};
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    return {Outcome::connected, silent};
  }
  return classify_socket_error(errno, "recv");
}

int Deadline::remaining_ms() const {
  const auto left = m_end - Clock::now();
  if (left <= Clock::duration::zero()) {
    return 0;
  }
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

SocketAddress socket_address(const IpAddress& address, std::uint16_t port) {
  SocketAddress out;
  if (address.is_v4()) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    std::memcpy(&in.sin_addr, address.bytes().data(), 4);
    std::memcpy(&out.storage, &in, sizeof in);
    out.length = sizeof in;
  } else {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    std::memcpy(&in6.sin6_addr, address.bytes().data(), 16);
    std::memcpy(&out.storage, &in6, sizeof in6);
    out.length = sizeof in6;
  }
  return out;
}

int wait_for(int fd, short events, const Deadline& deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, deadline.remaining_ms());
    if (n > 0) {
      return p.revents;
    }
    if (n == 0) {
      return 0;
    }
    if (errno != EINTR) {
      return -1;
    }
  }
}

std::string first_line(std::string_view received) {
  const auto line = received.substr(0, std::min(received.find_first_of("\r\n"), k_max_first_line));
  if (line.empty() && !received.empty()) {
    return "a blank first line";
  }
  return std::string(line);
}

Observation dial(const IpAddress& address, std::uint16_t port, Protocol protocol,
                 std::chrono::milliseconds settle, const Deadline& deadline) {
  const auto to = socket_address(address, port);
  return protocol == Protocol::tcp ? dial_tcp(to, settle, deadline) : dial_udp(to, deadline);
}

}  // namespace whyno::probe::steps
