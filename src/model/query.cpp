#include "whyno/model/query.hpp"

namespace whyno {

namespace {

std::string_view without_brackets(std::string_view text) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text.remove_prefix(1);
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

Target Target::parse(std::string_view typed) {
  Target t;
  t.text = std::string(typed);
  if (typed == "localhost") {
    t.kind = Kind::localhost;
  } else if (auto literal = IpAddress::parse(without_brackets(typed))) {
    t.kind = Kind::ip;
    t.ip = literal;
  } else {
    t.kind = Kind::name;
  }
  return t;
}

std::optional<IpAddress> Target::local_address() const {
  switch (kind) {
    case Kind::localhost:
      return IpAddress::loopback(IpFamily::v4);
    case Kind::ip: {
      // connect(2) to ::ffff:a.b.c.d (curl opens an AF_INET6 socket for it)
      // sends IPv4 to a.b.c.d: the packet, its rules and its listeners are
      // IPv4's. To 0.0.0.0 or :: it reaches this host's loopback: the kernel
      // routes the unspecified address there before any netfilter hook.
      const IpAddress dialled = ip->unmapped_v4().value_or(*ip);
      return dialled.is_unspecified() ? IpAddress::loopback(dialled.family()) : dialled;
    }
    case Kind::name:
    case Kind::netns:
      break;
  }
  return std::nullopt;
}

bool Target::is_this_host_loopback() const {
  const auto local = local_address();
  return local && local->is_loopback();
}

std::optional<Client> Client::parse(std::string_view typed) {
  Client c;
  c.text = std::string(typed);
  if (auto literal = IpAddress::parse(without_brackets(typed))) {
    if (literal->is_loopback()) {
      return std::nullopt;  // a client at a loopback address is this host
    }
    c.kind = Kind::remote;
    c.ip = literal;
  }
  return c;
}

}  // namespace whyno
