#include "dns_message.hpp"

#include "whyno/util/hosts_file.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <fmt/format.h>

namespace whyno::probe {

namespace {

constexpr std::size_t k_header_size = 12;
constexpr std::size_t k_max_name_wire = 255;
constexpr std::size_t k_max_label = 63;
// Real names need a handful of pointers; a crafted reply must not spin.
constexpr int k_max_pointer_jumps = 32;
constexpr int k_max_cname_links = 16;
constexpr std::uint16_t k_class_in = 1;
constexpr std::uint16_t k_flag_response = 0x8000;
constexpr std::uint16_t k_flag_recursion_desired = 0x0100;

std::uint8_t byte_at(std::span<const std::byte> m, std::size_t offset) {
  return std::to_integer<std::uint8_t>(m[offset]);
}

std::uint16_t u16_at(std::span<const std::byte> m, std::size_t offset) {
  return static_cast<std::uint16_t>((byte_at(m, offset) << 8) | byte_at(m, offset + 1));
}

void put_u16(std::vector<std::byte>& out, std::uint16_t value) {
  out.push_back(static_cast<std::byte>(value >> 8));
  out.push_back(static_cast<std::byte>(value & 0xff));
}

std::string_view without_root_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return name;
}

bool same_name(std::string_view a, std::string_view b) { return same_dns_name(a, b); }

std::unexpected<Error> malformed(std::string what) {
  return fail(Error::Kind::invalid, "malformed DNS reply: " + std::move(what));
}

struct Name {
  std::string text;      // labels joined by '.', no trailing dot; "" is the root
  std::size_t next = 0;  // the offset just past the name where it started
};

// Reads a possibly compressed name. Every byte read is bounds checked, the
// wire length is capped at 255 as for uncompressed names, and a pointer count
// limit stops loops (pointing backwards alone would not: a label followed by
// a pointer to itself goes backwards forever).
Result<Name> read_name(std::span<const std::byte> m, std::size_t offset) {
  Name name;
  std::optional<std::size_t> next;
  std::size_t wire = 0;
  int jumps = 0;
  std::size_t pos = offset;
  while (true) {
    if (pos >= m.size()) {
      return malformed("name runs past the end");
    }
    const std::uint8_t length = byte_at(m, pos);
    if ((length & 0xc0) == 0xc0) {
      if (pos + 1 >= m.size()) {
        return malformed("compression pointer runs past the end");
      }
      if (++jumps > k_max_pointer_jumps) {
        return malformed("compression pointers loop");
      }
      if (!next) {
        next = pos + 2;
      }
      pos = (static_cast<std::size_t>(length & 0x3f) << 8) | byte_at(m, pos + 1);
      continue;
    }
    if ((length & 0xc0) != 0) {
      return malformed("unknown label type");
    }
    wire += std::size_t{length} + 1;
    if (wire > k_max_name_wire) {
      return malformed("name longer than 255 bytes");
    }
    if (length == 0) {
      name.next = next.value_or(pos + 1);
      return name;
    }
    if (pos + 1 + length > m.size()) {
      return malformed("label runs past the end");
    }
    if (!name.text.empty()) {
      name.text += '.';
    }
    const auto* first = reinterpret_cast<const char*>(m.data() + pos + 1);
    name.text.append(first, length);
    pos += std::size_t{length} + 1;
  }
}

struct Record {
  std::string owner;
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::size_t data = 0;  // offset of RDATA in the message
  std::size_t length = 0;
};

Result<Record> read_record(std::span<const std::byte> m, std::size_t& offset) {
  WHYNO_TRY_ASSIGN(auto owner, read_name(m, offset));
  offset = owner.next;
  if (offset + 10 > m.size()) {
    return malformed("record header runs past the end");
  }
  Record r{std::move(owner.text), u16_at(m, offset), u16_at(m, offset + 2), offset + 10,
           u16_at(m, offset + 8)};
  if (r.data + r.length > m.size()) {
    return malformed("record data runs past the end");
  }
  offset = r.data + r.length;
  return r;
}

Result<void> check_question(std::span<const std::byte> m, std::size_t& offset, std::string_view name,
                            DnsType type) {
  WHYNO_TRY_ASSIGN(auto asked, read_name(m, offset));
  offset = asked.next;
  if (offset + 4 > m.size()) {
    return malformed("question runs past the end");
  }
  if (!same_name(asked.text, name) || u16_at(m, offset) != static_cast<std::uint16_t>(type) ||
      u16_at(m, offset + 2) != k_class_in) {
    return fail(Error::Kind::invalid, fmt::format("DNS reply answers another question ({})", asked.text));
  }
  offset += 4;
  return {};
}

Result<std::vector<Record>> read_answers(std::span<const std::byte> m, std::size_t offset,
                                         std::uint16_t count) {
  std::vector<Record> records;
  for (std::uint16_t i = 0; i < count; ++i) {
    WHYNO_TRY_ASSIGN(auto record, read_record(m, offset));
    if (record.klass == k_class_in) {
      records.push_back(std::move(record));
    }
  }
  return records;
}

// Follows the CNAME chain from `name` through the answer section and collects
// the addresses of the last name in it.
Result<void> follow_chain(std::span<const std::byte> m, const std::vector<Record>& records,
                          std::string_view name, DnsType type, DnsReply& reply) {
  const auto wanted = static_cast<std::uint16_t>(type);
  const std::size_t size = type == DnsType::a ? 4 : 16;
  std::string current(without_root_dot(name));
  for (int link = 0; link <= k_max_cname_links; ++link) {
    for (const auto& r : records) {
      if (r.type == wanted && r.length == size && same_name(r.owner, current)) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(m.data() + r.data);
        const auto address = type == DnsType::a ? IpAddress::v4_bytes(bytes) : IpAddress::v6_bytes(bytes);
        if (std::find(reply.addresses.begin(), reply.addresses.end(), address) == reply.addresses.end()) {
          reply.addresses.push_back(address);
        }
      }
    }
    if (!reply.addresses.empty()) {
      return {};
    }
    const auto alias = std::find_if(records.begin(), records.end(), [&](const Record& r) {
      return r.type == static_cast<std::uint16_t>(DnsType::cname) && same_name(r.owner, current);
    });
    if (alias == records.end()) {
      return {};
    }
    WHYNO_TRY_ASSIGN(auto target, read_name(m, alias->data));
    if (target.next > alias->data + alias->length) {
      return malformed("CNAME target runs past its record");
    }
    current = target.text;
    reply.aliases.push_back(current);
  }
  return malformed("CNAME chain longer than 16 links");
}

}  // namespace

Result<std::vector<std::byte>> build_dns_query(std::uint16_t id, std::string_view name, DnsType type) {
  name = without_root_dot(name);
  if (name.empty()) {
    return fail(Error::Kind::invalid, "cannot query an empty name");
  }
  std::vector<std::byte> out;
  put_u16(out, id);
  put_u16(out, k_flag_recursion_desired);
  put_u16(out, 1);  // QDCOUNT
  put_u16(out, 0);
  put_u16(out, 0);
  put_u16(out, 0);
  std::size_t wire = 1;  // the root label
  std::size_t start = 0;
  while (start <= name.size()) {
    auto dot = name.find('.', start);
    if (dot == std::string_view::npos) {
      dot = name.size();
    }
    const auto label = name.substr(start, dot - start);
    if (label.empty() || label.size() > k_max_label) {
      return fail(Error::Kind::invalid, fmt::format("`{}` is not a valid DNS name", name));
    }
    wire += label.size() + 1;
    out.push_back(static_cast<std::byte>(label.size()));
    for (const char c : label) {
      out.push_back(static_cast<std::byte>(c));
    }
    start = dot + 1;
  }
  if (wire > k_max_name_wire) {
    return fail(Error::Kind::invalid, "DNS name longer than 255 bytes");
  }
  out.push_back(std::byte{0});
  put_u16(out, static_cast<std::uint16_t>(type));
  put_u16(out, k_class_in);
  return out;
}

Result<DnsReply> parse_dns_reply(std::span<const std::byte> m, std::uint16_t id, std::string_view name,
                                 DnsType type) {
  if (m.size() < k_header_size) {
    return malformed("shorter than a header");
  }
  if (u16_at(m, 0) != id) {
    return fail(Error::Kind::invalid,
                fmt::format("DNS reply id {} does not match query id {}", u16_at(m, 0), id));
  }
  const std::uint16_t flags = u16_at(m, 2);
  if ((flags & k_flag_response) == 0) {
    return malformed("not a response");
  }
  DnsReply reply;
  reply.rcode = static_cast<std::uint8_t>(flags & 0x0f);
  const std::uint16_t questions = u16_at(m, 4);
  std::size_t offset = k_header_size;
  if (questions > 1 || (questions == 0 && reply.rcode == k_rcode_noerror)) {
    return malformed(fmt::format("{} questions", questions));
  }
  if (questions == 1) {
    WHYNO_TRY(check_question(m, offset, name, type));
  }
  WHYNO_TRY_ASSIGN(auto records, read_answers(m, offset, u16_at(m, 6)));
  WHYNO_TRY(follow_chain(m, records, name, type, reply));
  if (reply.rcode == k_rcode_noerror) {
    reply.status = reply.addresses.empty() ? DnsReply::Status::no_data : DnsReply::Status::addresses;
  } else {
    reply.status = reply.rcode == k_rcode_nxdomain ? DnsReply::Status::nxdomain : DnsReply::Status::failure;
    reply.addresses.clear();
  }
  return reply;
}

std::string rcode_name(std::uint8_t rcode) {
  static constexpr std::array<std::string_view, 6> k_names = {"NOERROR",  "FORMERR", "SERVFAIL",
                                                              "NXDOMAIN", "NOTIMP",  "REFUSED"};
  if (rcode < k_names.size()) {
    return std::string(k_names[rcode]);
  }
  return fmt::format("RCODE {}", rcode);
}

}  // namespace whyno::probe
