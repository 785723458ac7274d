// Records the raw answer of a DNS server (by default Docker's embedded DNS at
// 127.0.0.11:53) to one query built by build_dns_query, and prints what
// parse_dns_reply makes of it. Run it inside a container's network namespace:
//
//   nsenter -t <pid> -n record_dns server a tests/fixtures/dns/server_a.bin
//
// The query id is fixed (k_record_id, 0x5157) so tests can check id matching
// against the recording.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "probe/dns_message.hpp"
#include "whyno/sys/fd.hpp"

using namespace whyno;

namespace {

constexpr std::uint16_t k_record_id = 0x5157;
constexpr int k_wait_ms = 3000;

const char* status_name(probe::DnsReply::Status s) {
  switch (s) {
    case probe::DnsReply::Status::addresses:
      return "addresses";
    case probe::DnsReply::Status::nxdomain:
      return "nxdomain";
    case probe::DnsReply::Status::no_data:
      return "no_data";
    case probe::DnsReply::Status::failure:
      return "failure";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 6) {
    std::fprintf(stderr, "usage: %s NAME a|aaaa OUTPUT [SERVER [PORT]]\n", argv[0]);
    return 2;
  }
  const std::string name = argv[1];
  const auto type = std::string(argv[2]) == "aaaa" ? probe::DnsType::aaaa : probe::DnsType::a;
  const std::string server = argc > 4 ? argv[4] : "127.0.0.11";
  const auto port = static_cast<std::uint16_t>(argc > 5 ? std::stoi(argv[5]) : 53);

  auto query = probe::build_dns_query(k_record_id, name, type);
  if (!query) {
    fmt::print(stderr, "{}\n", query.error().message);
    return 1;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  if (inet_pton(AF_INET, server.c_str(), &to.sin_addr) != 1) {
    fmt::print(stderr, "not an IPv4 address: {}\n", server);
    return 2;
  }
  sys::Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 ||
      ::send(fd.get(), query->data(), query->size(), 0) < 0) {
    fmt::print(stderr, "cannot send: {}\n", std::strerror(errno));
    return 1;
  }
  pollfd p{fd.get(), POLLIN, 0};
  if (::poll(&p, 1, k_wait_ms) != 1) {
    fmt::print(stderr, "no answer within {} ms\n", k_wait_ms);
    return 1;
  }
  std::array<std::byte, 4096> buffer{};
  const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
  if (n < 0) {
    fmt::print(stderr, "recv: {}\n", std::strerror(errno));
    return 1;
  }
  const std::span<const std::byte> reply(buffer.data(), static_cast<std::size_t>(n));
  std::ofstream out(argv[3], std::ios::binary);
  out.write(reinterpret_cast<const char*>(reply.data()), static_cast<std::streamsize>(reply.size()));
  fmt::print("{} ({} bytes)\n", argv[3], reply.size());

  const auto parsed = probe::parse_dns_reply(reply, k_record_id, name, type);
  if (!parsed) {
    fmt::print("parse error: {}\n", parsed.error().message);
    return 1;
  }
  fmt::print("rcode {} status {}\n", probe::rcode_name(parsed->rcode), status_name(parsed->status));
  for (const auto& a : parsed->addresses) {
    fmt::print("  address {}\n", a.to_string());
  }
  for (const auto& a : parsed->aliases) {
    fmt::print("  alias {}\n", a);
  }
  return 0;
}
