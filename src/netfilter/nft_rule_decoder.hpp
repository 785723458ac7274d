#pragma once
// Runs one rule's expressions over a model of the nftables register file
// (16 four-byte slots; NFT_REG_1..4 alias groups of four), turning each
// comparison into a Match and the verdict into an Action.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "nf_decode_util.hpp"
#include "nft_loads.hpp"
#include "nft_rule.hpp"
#include "nft_sets.hpp"
#include "nft_value.hpp"

struct nftnl_expr;

namespace whyno::netfilter::nft {

class RuleDecoder {
 public:
  RuleDecoder(nf::Family family, std::uint32_t nfproto, std::string table, const SetIndex& sets);

  void run(const nftnl_expr* e);
  DecodedRule finish();

 private:
  static constexpr std::size_t k_slots = 16;

  // Registers (nft_rule_decoder.cpp).
  void write(std::uint32_t reg, RegValue value, const Bytes* data, bool ethertype = false);
  RegValue read(std::uint32_t reg) const;
  std::optional<Bytes> read_data(std::uint32_t reg, std::size_t len) const;
  /// The key a lookup of `set` reads from `reg`: one value, or every field
  /// of a concatenation when the set's key is wider than the first.
  std::vector<RegValue> concat_at(std::uint32_t reg, const SetInfo* set) const;

  // Comparisons (nft_rule_decoder.cpp).
  void cmp(const nftnl_expr* e, std::optional<std::size_t> previous_cmp_slot);
  bool ethertype_cmp(CmpOp op, const Bytes& data);
  void range(const nftnl_expr* e);
  void bitwise(const nftnl_expr* e);
  void lookup(const nftnl_expr* e);

  // Verdicts and statements (nft_rule_actions.cpp).
  bool statement(const nftnl_expr* e, std::string_view name);
  void immediate(const nftnl_expr* e);
  void nat(const nftnl_expr* e);
  void masq_or_redir(const nftnl_expr* e, bool masq);
  void xt_match(const nftnl_expr* e);
  void xt_target(const nftnl_expr* e);
  void mark_set(const nftnl_expr* e, bool connection);
  std::optional<std::uint16_t> port_in(const nftnl_expr* e, std::uint16_t attr) const;
  void set_kind(nf::ActionKind kind);
  void set_action(nf::Action a);

  nf::Family m_family;
  std::uint32_t m_nfproto;
  std::string m_table;
  const SetIndex& m_sets;
  LoadContext m_ctx;
  std::array<RegValue, k_slots> m_regs{};
  std::array<bool, k_slots> m_ethertype{};
  std::array<std::uint8_t, k_slots * 4> m_bytes{};
  std::optional<std::size_t> m_cmp_slot;  // the register the previous cmp read
  std::optional<std::uint32_t> m_nat_nfproto;
  bool m_done = false;
  DecodedRule m_out;
};

/// Reading expression attributes, for the decoder's files.
Bytes expr_data(const nftnl_expr* e, std::uint16_t attr);
std::string expr_str(const nftnl_expr* e, std::uint16_t attr);
/// The expression's name ("cmp", "payload"), a view into libnftnl's copy:
/// compared with many names for each expression, it is never copied.
std::string_view expr_name(const nftnl_expr* e);
std::uint32_t expr_u32(const nftnl_expr* e, std::uint16_t attr, std::uint32_t fallback = 0);

}  // namespace whyno::netfilter::nft
