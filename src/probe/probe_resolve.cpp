// Resolving a name within the probe's deadline: a DNS exchange of our own
// (Docker's embedded DNS), or the host's resolver on a thread of its own.

#include <netdb.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "probe_steps.hpp"
#include "dns_message.hpp"
#include "whyno/sys/fd.hpp"

namespace whyno::probe::steps {

namespace {

// Random ids, so a stray or spoofed reply is unlikely to be taken for ours.
std::uint16_t random_id() {
  std::uint16_t id = 0;
  if (::getrandom(&id, sizeof id, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof id)) {
    id = static_cast<std::uint16_t>(std::random_device{}());
  }
  return id;
}

struct Question {
  DnsType type;
  std::uint16_t id = 0;
  std::vector<std::byte> query;
  std::optional<DnsReply> reply;
};

DnsLookup socket_failure(const char* call) {
  if (errno == ECONNREFUSED) {
    return {DnsLookup::Status::no_server, {}, 0, "ICMP port unreachable"};
  }
  return {DnsLookup::Status::error, {}, 0, fmt::format("{}: {}", call, std::strerror(errno))};
}

bool send_unanswered(const sys::Fd& fd, const std::array<Question, 2>& questions) {
  for (const auto& q : questions) {
    if (!q.reply && ::send(fd.get(), q.query.data(), q.query.size(), 0) < 0) {
      return false;
    }
  }
  return true;
}

// Done once an IPv4 address is known (it is the one dialled), or both answered.
bool settled(const std::array<Question, 2>& questions) {
  return (questions[0].reply && questions[0].reply->has_address()) ||
         (questions[0].reply && questions[1].reply);
}

DnsLookup summarise(const std::array<Question, 2>& questions) {
  DnsLookup lookup;
  bool any_reply = false;
  for (const auto& q : questions) {
    if (q.reply) {
      any_reply = true;
      lookup.addresses.insert(lookup.addresses.end(), q.reply->addresses.begin(), q.reply->addresses.end());
    }
  }
  if (!lookup.addresses.empty()) {
    lookup.status = DnsLookup::Status::found;
    return lookup;
  }
  if (!any_reply) {
    lookup.status = DnsLookup::Status::no_answer;
    return lookup;
  }
  lookup.status = DnsLookup::Status::no_data;
  for (const auto& q : questions) {
    if (!q.reply) {
      continue;
    }
    if (q.reply->status == DnsReply::Status::nxdomain) {
      lookup.status = DnsLookup::Status::nxdomain;
      lookup.rcode = q.reply->rcode;
      return lookup;
    }
    if (q.reply->status == DnsReply::Status::failure) {
      lookup.status = DnsLookup::Status::failure;
      lookup.rcode = q.reply->rcode;
    }
  }
  return lookup;
}

}  // namespace

DnsLookup query_dns(const IpAddress& server, std::uint16_t port, std::string_view name,
                    const Deadline& deadline) {
  std::array<Question, 2> questions{Question{DnsType::a, random_id(), {}, {}},
                                    Question{DnsType::aaaa, random_id(), {}, {}}};
  if (questions[1].id == questions[0].id) {
    questions[1].id = static_cast<std::uint16_t>(questions[0].id + 1);
  }
  for (auto& q : questions) {
    auto built = build_dns_query(q.id, name, q.type);
    if (!built) {
      return {DnsLookup::Status::error, {}, 0, built.error().message};
    }
    q.query = std::move(*built);
  }
  const auto to = socket_address(server, port);
  sys::Fd fd(::socket(to.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    return socket_failure("socket");
  }
  if (::connect(fd.get(), to.get(), to.length) != 0) {
    return socket_failure("connect");
  }
  std::array<std::byte, 4096> buffer{};
  while (!settled(questions) && !deadline.expired()) {
    if (!send_unanswered(fd, questions)) {
      return socket_failure("send");
    }
    const Deadline resend(std::chrono::milliseconds(std::min(k_dns_resend_ms, deadline.remaining_ms())));
    while (!settled(questions)) {
      const int events = wait_for(fd.get(), POLLIN, resend);
      if (events == 0) {
        break;
      }
      const ssize_t n = events < 0 ? -1 : ::recv(fd.get(), buffer.data(), buffer.size(), 0);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          continue;
        }
        return socket_failure(events < 0 ? "poll" : "recv");
      }
      const std::span<const std::byte> message(buffer.data(), static_cast<std::size_t>(n));
      for (auto& q : questions) {
        if (!q.reply) {
          if (auto reply = parse_dns_reply(message, q.id, name, q.type)) {
            q.reply = std::move(*reply);
          }
        }
      }
    }
  }
  return summarise(questions);
}

HostLookup resolve_on_host(const std::string& name, Protocol protocol, const Deadline& deadline) {
  // getaddrinfo takes no timeout. It runs on a detached thread that shares
  // this state; whoever finishes last frees it, so a lookup that outlives
  // the deadline just finishes into the void.
  struct Shared {
    std::mutex mutex;
    std::condition_variable done_signal;
    bool done = false;
    HostLookup lookup;
  };
  auto shared = std::make_shared<Shared>();
  std::thread([shared, name, protocol] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = protocol == Protocol::tcp ? SOCK_STREAM : SOCK_DGRAM;
    addrinfo* list = nullptr;
    HostLookup lookup;
    const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &list);
    if (rc != 0) {
      lookup.failure = ::gai_strerror(rc);
    }
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
      std::optional<IpAddress> address;
      if (ai->ai_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, ai->ai_addr, sizeof in);
        address = IpAddress::v4_bytes(reinterpret_cast<const std::uint8_t*>(&in.sin_addr));
      } else if (ai->ai_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, ai->ai_addr, sizeof in6);
        address = IpAddress::v6_bytes(reinterpret_cast<const std::uint8_t*>(&in6.sin6_addr));
      }
      if (address &&
          std::find(lookup.addresses.begin(), lookup.addresses.end(), *address) == lookup.addresses.end()) {
        lookup.addresses.push_back(*address);
      }
    }
    if (list != nullptr) {
      ::freeaddrinfo(list);
    }
    const std::lock_guard lock(shared->mutex);
    shared->lookup = std::move(lookup);
    shared->done = true;
    shared->done_signal.notify_all();
  }).detach();

  std::unique_lock lock(shared->mutex);
  if (!shared->done_signal.wait_for(lock, std::chrono::milliseconds(deadline.remaining_ms()),
                                    [&] { return shared->done; })) {
    return {{}, "no answer before the timeout"};
  }
  return std::move(shared->lookup);
}

}  // namespace whyno::probe::steps
