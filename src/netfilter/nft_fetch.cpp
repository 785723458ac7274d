#include "nft_fetch.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/set.h>
#include <sys/socket.h>

#include <array>
#include <optional>

#include <fmt/format.h>

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

/// read_once, the rules decoded as they arrive, into `out`; false when the
/// rule dump was interrupted by a change.
Result<bool> read_decoded_once(sys::NetlinkSocket& socket, nf::Ruleset& out) {
  NftDump dump;
  WHYNO_TRY_ASSIGN(dump.chains, dump_of(socket, NFT_MSG_GETCHAIN));
  RuleStream stream;
  RequestBuffer buffer;
  WHYNO_TRY_ASSIGN(
      const bool whole,
      socket.request_streamed(buffer.header(NFT_MSG_GETRULE, NFPROTO_UNSPEC, NLM_F_DUMP),
                              [&](std::vector<std::byte> batch) { stream.add(std::move(batch)); }));
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
