#include "owner_netns.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace whyno::kernel {

namespace {

// The child's message: a status byte (0: joined, else the errno of the
// failed setns, then its words), then the nine dumps, each a status byte
// (0: bytes follow as u64 length and data; 1: an Error as kind, errno and
// message).
void put_u64(std::vector<std::byte>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<std::byte>(v >> (8 * i)));
  }
}

void put_bytes(std::vector<std::byte>& out, std::span<const std::byte> bytes) {
  put_u64(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void put_text(std::vector<std::byte>& out, const std::string& text) {
  put_bytes(out, std::as_bytes(std::span(text.data(), text.size())));
}

void put_dump(std::vector<std::byte>& out, const RawNetns::Dump& dump) {
  if (dump) {
    out.push_back(std::byte{0});
    put_bytes(out, *dump);
    return;
  }
  out.push_back(std::byte{1});
  put_u64(out, static_cast<std::uint64_t>(dump.error().kind));
  put_u64(out, static_cast<std::uint64_t>(dump.error().error_number));
  put_text(out, dump.error().message);
}

class Reader {
 public:
  explicit Reader(std::span<const std::byte> bytes) : m_bytes(bytes) {}

  std::optional<std::uint64_t> u64() {
    if (m_bytes.size() < 8) {
      return std::nullopt;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      v |= static_cast<std::uint64_t>(m_bytes[static_cast<std::size_t>(i)]) << (8 * i);
    }
    m_bytes = m_bytes.subspan(8);
    return v;
  }
  std::optional<std::byte> byte() {
    if (m_bytes.empty()) {
      return std::nullopt;
    }
    const std::byte b = m_bytes.front();
    m_bytes = m_bytes.subspan(1);
    return b;
  }
  std::optional<std::vector<std::byte>> bytes() {
    const auto size = u64();
    if (!size || *size > m_bytes.size()) {
      return std::nullopt;
    }
    std::vector<std::byte> out(m_bytes.begin(), m_bytes.begin() + static_cast<std::ptrdiff_t>(*size));
    m_bytes = m_bytes.subspan(*size);
    return out;
  }
  std::optional<std::string> text() {
    auto raw = bytes();
    if (!raw) {
      return std::nullopt;
    }
    return std::string(reinterpret_cast<const char*>(raw->data()), raw->size());
  }
  std::optional<RawNetns::Dump> dump() {
    const auto status = byte();
    if (status == std::byte{0}) {
      auto data = bytes();
      return data ? std::optional<RawNetns::Dump>(std::move(*data)) : std::nullopt;
    }
    if (status != std::byte{1}) {
      return std::nullopt;
    }
    const auto kind = u64();
    const auto number = u64();
    auto message = text();
    if (!kind || *kind > static_cast<std::uint64_t>(Error::Kind::io) || !number || !message) {
      return std::nullopt;
    }
    return RawNetns::Dump(std::unexpected(
        Error{static_cast<Error::Kind>(*kind), std::move(*message), static_cast<int>(*number)}));
  }
  bool done() const { return m_bytes.empty(); }

 private:
  std::span<const std::byte> m_bytes;
};

bool write_all(int fd, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

/// In the forked child: join, dump, write, exit. Never returns.
[[noreturn]] void child_reads(const sys::Fd& userns, const sys::Fd& netns, const ListenerScope& scope,
                              int out) {
  std::vector<std::byte> message;
  const auto refuse = [&](const char* what) {
    const int error = errno;
    message.push_back(static_cast<std::byte>(error == 0 ? 255 : error & 0xff));
    put_text(message, fmt::format("{}: {}", what, std::strerror(error)));
    write_all(out, message);
    _exit(1);
  };
  if (::setns(userns.get(), CLONE_NEWUSER) != 0) {
    refuse("cannot join the namespace's user namespace (setns)");
  }
  if (::setns(netns.get(), CLONE_NEWNET) != 0) {
    refuse("cannot join the network namespace (setns)");
  }
  message.push_back(std::byte{0});
  const RawNetns raw = fetch_raw_netns(scope);
  const auto encoded = encode_raw_netns(raw);
  message.insert(message.end(), encoded.begin(), encoded.end());
  _exit(write_all(out, message) ? 0 : 1);
}

/// Everything the child writes, until it closes the pipe or time runs out.
Result<std::vector<std::byte>> read_until_closed(int fd, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<std::byte> out;
  std::array<std::byte, 65536> buffer{};
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return fail(Error::Kind::io,
                  fmt::format("the reader of the namespace did not finish within {} ms", timeout_ms));
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready < 0) {
      return fail(Error::Kind::io, fmt::format("poll: {}", std::strerror(errno)), errno);
    }
    if (ready == 0) {
      continue;  // the deadline check above ends it
    }
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(Error::Kind::io, fmt::format("read: {}", std::strerror(errno)), errno);
    }
    if (n == 0) {
      return out;
    }
    out.insert(out.end(), buffer.begin(), buffer.begin() + n);
  }
}

}  // namespace

std::vector<std::byte> encode_raw_netns(const RawNetns& raw) {
  std::vector<std::byte> out;
  put_dump(out, raw.links);
  put_dump(out, raw.addresses);
  put_dump(out, raw.routes);
  for (const auto& dump : raw.sockets) {
    put_dump(out, dump);
  }
  for (const auto& dump : raw.connections) {
    put_dump(out, dump);
  }
  return out;
}

Result<RawNetns> decode_raw_netns(std::span<const std::byte> bytes) {
  Reader in(bytes);
  RawNetns raw;
  std::array<RawNetns::Dump*, 9> dumps{&raw.links,      &raw.addresses,      &raw.routes,
                                       &raw.sockets[0], &raw.sockets[1],     &raw.sockets[2],
                                       &raw.sockets[3], &raw.connections[0], &raw.connections[1]};
  for (RawNetns::Dump* dump : dumps) {
    auto read = in.dump();
    if (!read) {
      return fail(Error::Kind::invalid, "the namespace reader's answer is cut short");
    }
    *dump = std::move(*read);
  }
  if (!in.done()) {
    return fail(Error::Kind::invalid, "the namespace reader's answer has bytes left over");
  }
  return raw;
}

Result<NetnsFacts> read_netns_as_owner(const sys::Fd& netns, const ListenerScope& scope, int timeout_ms) {
  sys::Fd userns(::ioctl(netns.get(), NS_GET_USERNS));
  if (!userns) {
    return fail(
        errno == EPERM ? Error::Kind::permission_denied : Error::Kind::io,
        fmt::format("cannot find the namespace's user namespace (NS_GET_USERNS): {}", std::strerror(errno)),
        errno);
  }
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    return fail(Error::Kind::io, fmt::format("pipe2: {}", std::strerror(errno)), errno);
  }
  sys::Fd from_child(ends[0]);
  sys::Fd to_parent(ends[1]);
  const pid_t child = ::fork();
  if (child < 0) {
    return fail(Error::Kind::io, fmt::format("fork: {}", std::strerror(errno)), errno);
  }
  if (child == 0) {
    from_child.close();
    child_reads(userns, netns, scope, to_parent.get());
  }
  to_parent.close();
  auto answer = read_until_closed(from_child.get(), timeout_ms);
  if (!answer) {
    ::kill(child, SIGKILL);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!answer) {
    return std::unexpected(answer.error());
  }
  Reader head(*answer);
  const auto joined = head.byte();
  if (!joined) {
    return fail(Error::Kind::io, "the namespace reader exited without an answer");
  }
  const std::span<const std::byte> rest = std::span<const std::byte>(*answer).subspan(1);
  if (*joined != std::byte{0}) {
    Reader why(rest);
    const int error = static_cast<int>(*joined);
    return fail(error == EPERM ? Error::Kind::permission_denied : Error::Kind::io,
                why.text().value_or("cannot join the namespace"), error);
  }
  WHYNO_TRY_ASSIGN(const RawNetns raw, decode_raw_netns(rest));
  return parse_raw_netns(raw, scope);
}

}  // namespace whyno::kernel
