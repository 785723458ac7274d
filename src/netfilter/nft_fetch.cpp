#include "nft_fetch.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/set.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "nft_attributes.hpp"
#include "nft_decode.hpp"
#include "nft_objects.hpp"
#include "whyno/sys/netlink_socket.hpp"

namespace whyno::netfilter {

namespace {

constexpr int k_max_dump_attempts = 5;

class RequestBuffer {
 public:
  nlmsghdr* header(std::uint16_t type, std::uint16_t family, std::uint16_t flags) {
    m_buffer.fill(0);
    // The sequence number is set by NetlinkSocket::request.
    return nftnl_nlmsg_build_hdr(m_buffer.data(), type, family, flags, 0);
  }

 private:
  alignas(nlmsghdr) std::array<char, 1024> m_buffer{};
};

Result<std::vector<std::byte>> dump_of(sys::NetlinkSocket& socket, std::uint16_t type) {
  RequestBuffer buffer;
  return socket.request(buffer.header(type, NFPROTO_UNSPEC, NLM_F_DUMP));
}

Result<std::uint32_t> generation(sys::NetlinkSocket& socket) {
  RequestBuffer buffer;
  WHYNO_TRY_ASSIGN(const auto reply, socket.request(buffer.header(NFT_MSG_GETGEN, NFPROTO_UNSPEC, 0)));
  std::optional<std::uint32_t> id;
  sys::for_each_message(reply, [&](const nlmsghdr* nlh) {
    nft::GenPtr gen(nftnl_gen_alloc());
    if (gen && nftnl_gen_nlmsg_parse(nlh, gen.get()) >= 0) {
      id = nftnl_gen_get_u32(gen.get(), NFTNL_GEN_ID);
    }
  });
  if (!id) {
    return fail(Error::Kind::invalid, "nftables generation reply could not be parsed");
  }
  return *id;
}

Result<std::vector<std::byte>> dump_elements(sys::NetlinkSocket& socket, const NftSetRef& ref) {
  nft::SetPtr set(nftnl_set_alloc());
  if (!set) {
    return fail(Error::Kind::io, "out of memory");
  }
  nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, ref.table.c_str());
  nftnl_set_set_str(set.get(), NFTNL_SET_NAME, ref.name.c_str());
  RequestBuffer buffer;
  nlmsghdr* nlh = buffer.header(NFT_MSG_GETSETELEM, static_cast<std::uint16_t>(ref.family), NLM_F_DUMP);
  nftnl_set_elems_nlmsg_build_payload(nlh, set.get());
  return socket.request(nlh);
}

/// One consistent-looking read into `out`; the caller checks the
/// generation around it. Dumps interrupted by a change are repeated
/// (NetlinkSocket::request): always whole.
Result<bool> read_once(sys::NetlinkSocket& socket, NftDump& out) {
  WHYNO_TRY_ASSIGN(out.chains, dump_of(socket, NFT_MSG_GETCHAIN));
  WHYNO_TRY_ASSIGN(out.rules, dump_of(socket, NFT_MSG_GETRULE));
  WHYNO_TRY_ASSIGN(out.sets, dump_of(socket, NFT_MSG_GETSET));
  for (const NftSetRef& ref : looked_up_sets(out.rules)) {
    WHYNO_TRY_ASSIGN(const auto elements, dump_elements(socket, ref));
    out.set_elements.insert(out.set_elements.end(), elements.begin(), elements.end());
  }
  return true;
}

struct TableRef {
  std::uint16_t family = NFPROTO_UNSPEC;
  std::string name;
  bool operator==(const TableRef&) const = default;
};

/// The tables with chains, in the kernel's order (a chain dump lists each
/// table's chains together): the tables with rules.
std::vector<TableRef> tables_of(const std::vector<std::byte>& chains) {
  std::vector<TableRef> out;
  sys::for_each_message(chains, [&](const nlmsghdr* nlh) {
    TableRef table;
    nft::walk_message(nlh, [&](const nft::Attribute& a) {
      if (a.type == NFTA_CHAIN_TABLE) {
        table.name = std::string(nft::terminated(a).value_or(""));
      }
      return true;
    });
    if (nlh->nlmsg_len >= sizeof(nlmsghdr) + sizeof(nfgenmsg)) {
      table.family = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh))->nfgen_family;
    }
    if (!table.name.empty() && std::find(out.begin(), out.end(), table) == out.end()) {
      out.push_back(std::move(table));
    }
  });
  return out;
}

/// Whether a rule dump asked for one table gets that table's rules alone
/// (NFTA_RULE_TABLE in a dump request, Linux 4.13); an older kernel would
/// send every table's for each, so it gets one dump of all.
bool kernel_filters_rules_by_table() {
  utsname name{};
  unsigned major = 0;
  unsigned minor = 0;
  return ::uname(&name) == 0 && std::sscanf(name.release, "%u.%u", &major, &minor) == 2 &&
         (major > 4 || (major == 4 && minor >= 13));
}

/// The rule dumps of every other table of `tables`, from the `first`th, into
/// `stream` (the table's index its source); false when one was interrupted.
Result<bool> dump_tables(sys::NetlinkSocket& socket, const std::vector<TableRef>& tables, std::size_t first,
                         RuleStream& stream) {
  for (std::size_t i = first; i < tables.size(); i += 2) {
    RequestBuffer buffer;
    nlmsghdr* request = buffer.header(NFT_MSG_GETRULE, tables[i].family, NLM_F_DUMP);
    mnl_attr_put_strz(request, NFTA_RULE_TABLE, tables[i].name.c_str());
    WHYNO_TRY_ASSIGN(const bool whole, socket.request_streamed(request, [&](std::vector<std::byte> batch) {
      stream.add(std::move(batch), i);
    }));
    if (!whole) {
      return false;
    }
  }
  return true;
}

/// Every table's rules into `stream`. The kernel writes a dump in the thread
/// that receives it, the costliest part of a big read (10,000 rules are
/// 5.4 MB: 75 ms), so the tables alternate between this thread and a
/// second socket's (opened here, in this thread's namespace): 40 ms on two
/// cores. False when a dump was interrupted by a change.
Result<bool> dump_rules(sys::NetlinkSocket& socket, const std::vector<TableRef>& tables, RuleStream& stream) {
  if (tables.size() < 2 || !kernel_filters_rules_by_table()) {
    RequestBuffer buffer;
    return socket.request_streamed(buffer.header(NFT_MSG_GETRULE, NFPROTO_UNSPEC, NLM_F_DUMP),
                                   [&](std::vector<std::byte> batch) { stream.add(std::move(batch)); });
  }
  WHYNO_TRY_ASSIGN(auto second, sys::NetlinkSocket::open(NETLINK_NETFILTER));
  Result<bool> theirs = true;
  Result<bool> mine = true;
  {
    const std::jthread helper([&] { theirs = dump_tables(second, tables, 1, stream); });
    mine = dump_tables(socket, tables, 0, stream);
  }
  WHYNO_TRY_ASSIGN(const bool my_whole, mine);
  WHYNO_TRY_ASSIGN(const bool their_whole, theirs);
  return my_whole && their_whole;
}

/// read_once, the rules decoded as they arrive, into `out`; false when the
/// rule dump was interrupted by a change.
Result<bool> read_decoded_once(sys::NetlinkSocket& socket, nf::Ruleset& out) {
  NftDump dump;
  WHYNO_TRY_ASSIGN(dump.chains, dump_of(socket, NFT_MSG_GETCHAIN));
  RuleStream stream;
  WHYNO_TRY_ASSIGN(const bool whole, dump_rules(socket, tables_of(dump.chains), stream));
  if (!whole) {
    return false;
  }
  WHYNO_TRY_ASSIGN(dump.sets, dump_of(socket, NFT_MSG_GETSET));
  for (const NftSetRef& ref : stream.looked_up()) {
    WHYNO_TRY_ASSIGN(const auto elements, dump_elements(socket, ref));
    dump.set_elements.insert(dump.set_elements.end(), elements.begin(), elements.end());
  }
  out = stream.finish(dump);
  return true;
}

/// Runs `read` (into a fresh Out; false when a dump was interrupted) between
/// two reads of the ruleset's generation, again while the generation moves
/// or a dump was interrupted: what failed while the ruleset changed (a set
/// deleted between its listing and its elements) is read again, not said.
template <typename Out, typename Read>
Result<Out> in_one_generation(Read&& read) {
  WHYNO_TRY_ASSIGN(auto socket, sys::NetlinkSocket::open(NETLINK_NETFILTER));
  for (int attempt = 0; attempt < k_max_dump_attempts; ++attempt) {
    WHYNO_TRY_ASSIGN(const std::uint32_t before, generation(socket));
    Out out;
    const Result<bool> whole = read(socket, out);
    WHYNO_TRY_ASSIGN(const std::uint32_t after, generation(socket));
    if (before != after) {
      continue;  // the ruleset changed while we read it
    }
    WHYNO_TRY(whole);
    if (*whole) {
      return out;
    }
  }
  return fail(Error::Kind::io, "the nftables ruleset kept changing while being read; try again");
}

}  // namespace

Result<nf::Ruleset> read_nftables() { return in_one_generation<nf::Ruleset>(read_decoded_once); }

Result<NftDump> fetch_nftables() { return in_one_generation<NftDump>(read_once); }

}  // namespace whyno::netfilter
