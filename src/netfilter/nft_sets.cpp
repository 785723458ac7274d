#include "nft_sets.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/udata.h>

#include <algorithm>

#include <fmt/format.h>

#include "nf_decode_util.hpp"
#include "nft_objects.hpp"
#include "nft_rule.hpp"
#include "nft_wellformed.hpp"
#include "whyno/sys/netlink_messages.hpp"

namespace whyno::netfilter::nft {

namespace {

// A verdict map over a port range is listed port by port; wider than this
// and we would rather say we cannot model it.
constexpr std::uint32_t k_max_vmap_entries = 1024;

Bytes bytes_of(const void* data, std::uint32_t len) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  return p == nullptr ? Bytes{} : Bytes(p, p + len);
}

Bytes elem_data(nftnl_set_elem* e, std::uint16_t attr) {
  if (!nftnl_set_elem_is_set(e, attr)) {
    return {};
  }
  std::uint32_t len = 0;
  const void* data = nftnl_set_elem_get(e, attr, &len);
  return bytes_of(data, len);
}

int collect_element(nftnl_set_elem* e, void* data) {
  auto& out = *static_cast<std::vector<SetElement>*>(data);
  SetElement element;
  element.key = elem_data(e, NFTNL_SET_ELEM_KEY);
  element.key_end = elem_data(e, NFTNL_SET_ELEM_KEY_END);
  if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS)) {
    element.flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
  }
  if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT)) {
    element.has_verdict = true;
    element.verdict = static_cast<std::int32_t>(nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT));
  }
  if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)) {
    element.chain = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN);
  }
  if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
    std::uint32_t len = 0;
    const auto* user = static_cast<const std::uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len));
    element.comment = udata_comment(user, len, NFTNL_UDATA_SET_ELEM_COMMENT);
  }
  out.push_back(std::move(element));
  return 0;
}

std::string str_or_empty(const char* s) { return s == nullptr ? std::string{} : std::string(s); }

/// Big-endian decrement; false when `b` is all zeros.
bool decrement(Bytes& b) {
  for (std::size_t i = b.size(); i-- > 0;) {
    if (b[i]-- != 0) {
      return true;
    }
  }
  return false;
}

struct Interval {
  Bytes lo;
  Bytes hi;
  const SetElement* start = nullptr;  // carries the verdict in maps
};

/// The intervals of an interval set. The rbtree backend stores each
/// interval as a start element and an INTERVAL_END element one past its
/// end, dumped in no useful order; pipapo stores KEY_END instead.
std::vector<Interval> intervals_of(const SetInfo& set) {
  std::vector<Interval> out;
  const bool has_key_end = std::any_of(set.elements.begin(), set.elements.end(),
                                       [](const SetElement& e) { return !e.key_end.empty(); });
  if (has_key_end) {
    for (const auto& e : set.elements) {
      if ((e.flags & NFT_SET_ELEM_INTERVAL_END) == 0) {
        out.push_back({e.key, e.key_end.empty() ? e.key : e.key_end, &e});
      }
    }
    return out;
  }
  std::vector<const SetElement*> sorted;
  for (const auto& e : set.elements) {
    sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(), [](const SetElement* a, const SetElement* b) {
    if (a->key != b->key) {
      return a->key < b->key;
    }
    // At equal keys an end closes the previous interval before a start opens.
    return (a->flags & NFT_SET_ELEM_INTERVAL_END) > (b->flags & NFT_SET_ELEM_INTERVAL_END);
  });
  const SetElement* open = nullptr;
  for (const SetElement* e : sorted) {
    if (open != nullptr) {
      Bytes hi = e->key;
      if (decrement(hi)) {
        out.push_back({open->key, hi, open});
      }
      open = nullptr;
    }
    if ((e->flags & NFT_SET_ELEM_INTERVAL_END) == 0) {
      open = e;
    }
  }
  if (open != nullptr) {
    out.push_back({open->key, Bytes(open->key.size(), 0xff), open});
  }
  return out;
}

bool has_catchall(const SetInfo& set) {
  return std::any_of(set.elements.begin(), set.elements.end(),
                     [](const SetElement& e) { return (e.flags & NFT_SET_ELEM_CATCHALL) != 0; });
}

nf::Match unknown_lookup(const RegValue& key, const std::string& set_name, bool negated,
                         std::string_view why) {
  return unknown_match(fmt::format("{} {}@{} ({})", key.text.empty() ? "register" : key.text,
                                   negated ? "!= " : "", set_name, why));
}

nf::Action unknown_vmap(const std::vector<RegValue>& key, const std::string& set_name, std::string_view why) {
  std::string text;
  for (const RegValue& k : key) {
    text += text.empty() ? "" : " . ";
    text += k.text.empty() ? "register" : k.text;
  }
  return unknown_action(fmt::format("{} vmap @{} ({})", text, set_name, why));
}

bool vmap_field(nf::Field f) {
  return f == nf::Field::iifname || f == nf::Field::oifname || f == nf::Field::sport ||
         f == nf::Field::dport || f == nf::Field::l4proto || f == nf::Field::nfproto ||
         f == nf::Field::saddr || f == nf::Field::daddr || f == nf::Field::random;
}

/// An element's key as VmapEntry::key: one field's text, or each field of a
/// concatenation joined by " . "; empty when a field is not representable.
std::string concat_key_text(const std::vector<RegValue>& key, const Bytes& bytes) {
  std::string out;
  std::size_t offset = 0;
  for (const RegValue& k : key) {
    if (bytes.size() < offset + k.len) {
      return {};
    }
    const auto begin = bytes.begin() + static_cast<std::ptrdiff_t>(offset);
    const std::string text = vmap_key_text(k, Bytes(begin, begin + k.len));
    if (text.empty()) {
      return {};
    }
    out += out.empty() ? text : " . " + text;
    offset += concat_field_len(k.len);
  }
  return out;
}

}  // namespace

std::optional<nf::ActionKind> verdict_kind(std::int32_t verdict) {
  switch (verdict) {
    case NF_ACCEPT:
      return nf::ActionKind::accept;
    case NF_DROP:
      return nf::ActionKind::drop;
    case NF_QUEUE:
      return nf::ActionKind::queue;
    case NFT_JUMP:
      return nf::ActionKind::jump;
    case NFT_GOTO:
      return nf::ActionKind::goto_;
    case NFT_RETURN:
      return nf::ActionKind::return_;
    // continue goes on with the next expression; break ends the rule as if
    // it had not matched. Either way the next rule runs.
    case NFT_CONTINUE:
    case NFT_BREAK:
      return nf::ActionKind::next;
    default:
      return std::nullopt;
  }
}

SetIndex parse_sets(const std::vector<std::byte>& sets, const std::vector<std::byte>& elements,
                    std::vector<std::string>& problems) {
  SetIndex index;
  sys::for_each_message(sets, [&](const nlmsghdr* nlh) {
    SetPtr s(nftnl_set_alloc());
    if (!s || !libnftnl_can_parse(nlh, ParsedAs::set) || nftnl_set_nlmsg_parse(nlh, s.get()) < 0) {
      problems.emplace_back("an nftables set message could not be parsed");
      return;
    }
    SetInfo info;
    info.family = nftnl_set_get_u32(s.get(), NFTNL_SET_FAMILY);
    info.table = str_or_empty(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE));
    info.name = str_or_empty(nftnl_set_get_str(s.get(), NFTNL_SET_NAME));
    info.flags = nftnl_set_get_u32(s.get(), NFTNL_SET_FLAGS);
    info.key_len = nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_LEN);
    if (nftnl_set_is_set(s.get(), NFTNL_SET_DATA_TYPE)) {
      info.data_type = nftnl_set_get_u32(s.get(), NFTNL_SET_DATA_TYPE);
    }
    SetKey key{info.family, info.table, info.name};
    index.insert_or_assign(std::move(key), std::move(info));
  });
  sys::for_each_message(elements, [&](const nlmsghdr* nlh) {
    SetPtr s(nftnl_set_alloc());
    if (!s || !libnftnl_can_parse(nlh, ParsedAs::set_elements) ||
        nftnl_set_elems_nlmsg_parse(nlh, s.get()) < 0) {
      problems.emplace_back("an nftables set element message could not be parsed");
      return;
    }
    const SetKey key{nftnl_set_get_u32(s.get(), NFTNL_SET_FAMILY),
                     str_or_empty(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE)),
                     str_or_empty(nftnl_set_get_str(s.get(), NFTNL_SET_NAME))};
    const auto it = index.find(key);
    if (it == index.end()) {
      problems.push_back(fmt::format("elements of unknown set @{}", std::get<2>(key)));
      return;
    }
    nftnl_set_elem_foreach(s.get(), collect_element, &it->second.elements);
  });
  return index;
}

nf::Match set_match(const RegValue& key, const SetInfo* set, const std::string& set_name, bool negated) {
  if (set == nullptr) {
    return unknown_lookup(key, set_name, negated, "set not found");
  }
  if (key.source != Source::field || key.field == nf::Field::unknown) {
    return unknown_lookup(key, set_name, negated, "key not modelled");
  }
  if (set->key_len != key.len) {
    return unknown_lookup(key, set_name, negated, "concatenated or mismatched key");
  }
  if (has_catchall(*set)) {
    return unknown_lookup(key, set_name, negated, "catch-all element");
  }
  nf::Match m;
  m.field = key.field;
  m.negated = negated;
  if ((set->flags & NFT_SET_INTERVAL) != 0) {
    for (const Interval& i : intervals_of(*set)) {
      if (!add_interval(key, i.lo, i.hi, m)) {
        return unknown_lookup(key, set_name, negated, "interval not modelled");
      }
    }
    return m;
  }
  for (const SetElement& e : set->elements) {
    if (!add_element(key, e.key, m)) {
      return unknown_lookup(key, set_name, negated, "element not modelled");
    }
  }
  return m;
}

std::uint32_t concat_field_len(std::uint32_t len) { return (len + 3) / 4 * 4; }

nf::Action vmap_action(const std::vector<RegValue>& keys, const SetInfo* set, const std::string& set_name) {
  if (keys.empty()) {
    return unknown_vmap(keys, set_name, "key not modelled");
  }
  if (set == nullptr) {
    return unknown_vmap(keys, set_name, "map not found");
  }
  const RegValue& key = keys.front();
  // One field's key is as long as the field; a concatenation pads each.
  std::uint32_t concat_len = 0;
  for (const RegValue& k : keys) {
    if (k.source != Source::field || !vmap_field(k.field) || !k.mask.empty()) {
      return unknown_vmap(keys, set_name, "key not modelled");
    }
    concat_len += concat_field_len(k.len);
  }
  if (set->key_len != (keys.size() == 1 ? key.len : concat_len)) {
    return unknown_vmap(keys, set_name, "key not modelled");
  }
  if (has_catchall(*set)) {
    return unknown_vmap(keys, set_name, "catch-all element");
  }
  nf::Action a;
  a.kind = nf::ActionKind::vmap;
  a.vmap_key = key.field;
  for (std::size_t i = 1; i < keys.size(); ++i) {
    a.vmap_concat.push_back(keys[i].field);
  }
  auto add = [&](const std::string& text, const SetElement& e) {
    const auto kind = e.has_verdict ? verdict_kind(e.verdict) : std::nullopt;
    if (text.empty() || !kind) {
      return false;
    }
    a.vmap.push_back(nf::VmapEntry{text, *kind, e.chain, e.comment});
    return true;
  };
  if ((set->flags & NFT_SET_INTERVAL) == 0) {
    for (const SetElement& e : set->elements) {
      if (!add(concat_key_text(keys, e.key), e)) {
        return unknown_vmap(keys, set_name, "element not modelled");
      }
    }
    return a;
  }
  if (keys.size() > 1) {
    // Ranges of a concatenation (pipapo) are a box, not a list of keys.
    return unknown_vmap(keys, set_name, "interval not modelled");
  }
  const bool numeric = key.field != nf::Field::iifname && key.field != nf::Field::oifname &&
                       key.field != nf::Field::saddr && key.field != nf::Field::daddr;
  for (const Interval& i : intervals_of(*set)) {
    if (!numeric || !key.mask.empty() || key.len > 4 || key.host_order) {
      return unknown_vmap(keys, set_name, "interval not modelled");
    }
    const std::uint32_t lo = big_endian(i.lo);
    const std::uint32_t hi = big_endian(i.hi);
    if (hi < lo || hi - lo >= k_max_vmap_entries || a.vmap.size() + (hi - lo) >= k_max_vmap_entries) {
      return unknown_vmap(keys, set_name, "interval too wide to list");
    }
    for (std::uint32_t n = lo;; ++n) {
      if (!add(fmt::format("{}", n), *i.start)) {
        return unknown_vmap(keys, set_name, "element not modelled");
      }
      if (n == hi) {
        break;
      }
    }
  }
  return a;
}

}  // namespace whyno::netfilter::nft
