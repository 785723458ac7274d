#include "nft_wellformed.hpp"

#include "nft_attributes.hpp"

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <string_view>

namespace whyno::netfilter::nft {

namespace {

// A rule's dynset holds expressions, which hold no more; deeper is crafted.
constexpr int k_max_depth = 4;

bool list_ok(const Attribute& list, int depth);

/// nftnl_parse_verdict, whose attribute table is not zeroed: a verdict
/// without NFTA_VERDICT_CODE, or a jump or goto without NFTA_VERDICT_CHAIN,
/// makes it read a stale stack slot as the attribute.
bool verdict_ok(const Attribute& verdict) {
  std::optional<std::uint32_t> code;
  bool has_chain = false;
  const bool whole = walk_nested(verdict, [&](const Attribute& a) {
    if (a.type == NFTA_VERDICT_CODE) {
      if (a.payload_len < sizeof(std::uint32_t)) {
        return false;
      }
      std::uint32_t value = 0;
      std::memcpy(&value, a.payload, sizeof value);
      code = ntohl(value);
    } else if (a.type == NFTA_VERDICT_CHAIN) {
      if (!terminated(a)) {
        return false;
      }
      has_chain = true;
    }
    return true;
  });
  if (!whole || !code) {
    return false;
  }
  const auto verdict_code = static_cast<std::int32_t>(*code);
  return (verdict_code != NFT_JUMP && verdict_code != NFT_GOTO) || has_chain;
}

/// What a data register may hold where libnftnl parses one.
enum class Holds { value, value_or_verdict };

/// nftnl_parse_data: a data register, a value or a verdict. One with
/// neither leaves the caller's "type" unset, and libnftnl then switches on
/// that uninitialised int: a set element came out flagged as a jump with no
/// chain name (strlen(NULL)). A verdict where a value belongs (a cmp's
/// operand, a set element's key) is no kernel's, and its jump's chain name,
/// which libnftnl strdup()s, is never freed: only an immediate and a set
/// element's data free theirs.
bool data_ok(const Attribute& reg, Holds holds) {
  bool value_or_verdict = false;
  const bool whole = walk_nested(reg, [&](const Attribute& a) {
    if (a.type == NFTA_DATA_VERDICT) {
      value_or_verdict = true;
      return holds == Holds::value_or_verdict && verdict_ok(a);
    }
    value_or_verdict = value_or_verdict || a.type == NFTA_DATA_VALUE;
    return true;
  });
  return whole && value_or_verdict;
}

/// The expressions whose data this check looks into, told by name once per
/// expression (each attribute of each expression compared the name with a
/// dozen: a tenth of a large read).
enum class Kind {
  immediate,
  cmp,
  bitwise,
  range,
  lookup,
  dynset,
  objref,
  log,
  flow_offload,
  match,
  target,
  other
};

Kind kind_of(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Kind>, 11> k_kinds = {{
      {"immediate", Kind::immediate},
      {"cmp", Kind::cmp},
      {"bitwise", Kind::bitwise},
      {"range", Kind::range},
      {"lookup", Kind::lookup},
      {"dynset", Kind::dynset},
      {"objref", Kind::objref},
      {"log", Kind::log},
      {"flow_offload", Kind::flow_offload},
      {"match", Kind::match},
      {"target", Kind::target},
  }};
  for (const auto& [known, kind] : k_kinds) {
    if (known == name) {
      return kind;
    }
  }
  return Kind::other;
}

/// The attributes of an expression's data that libnftnl copies as strings,
/// by expression.
bool string_attribute(Kind expression, std::uint16_t type) {
  switch (expression) {
    case Kind::lookup:
      return type == NFTA_LOOKUP_SET;
    case Kind::dynset:
      return type == NFTA_DYNSET_SET_NAME;
    case Kind::objref:
      return type == NFTA_OBJREF_IMM_NAME || type == NFTA_OBJREF_SET_NAME;
    case Kind::log:
      return type == NFTA_LOG_PREFIX;
    case Kind::flow_offload:
      return type == NFTA_FLOW_TABLE_NAME;
    case Kind::match:
      return type == NFTA_MATCH_NAME;
    case Kind::target:
      return type == NFTA_TARGET_NAME;
    default:
      return false;
  }
}

/// What the attribute of an expression's data holds when libnftnl parses it
/// as a data register, by expression; nullopt when it is no register.
std::optional<Holds> data_register(Kind expression, std::uint16_t type) {
  if (expression == Kind::immediate && type == NFTA_IMMEDIATE_DATA) {
    return Holds::value_or_verdict;
  }
  const bool value =
      (expression == Kind::cmp && type == NFTA_CMP_DATA) ||
      (expression == Kind::bitwise &&
       (type == NFTA_BITWISE_MASK || type == NFTA_BITWISE_XOR || type == NFTA_BITWISE_DATA)) ||
      (expression == Kind::range && (type == NFTA_RANGE_FROM_DATA || type == NFTA_RANGE_TO_DATA));
  return value ? std::optional(Holds::value) : std::nullopt;
}

/// nftnl_expr_parse: the last NFTA_EXPR_NAME names the expression, the last
/// NFTA_EXPR_DATA is its data, which may hold data registers and, in a
/// dynset, expressions again.
bool expression_ok(const Attribute& expression, int depth) {
  if (depth > k_max_depth) {
    return false;
  }
  std::optional<std::string_view> name;
  std::optional<Attribute> data;
  const bool whole = walk_nested(expression, [&](const Attribute& a) {
    if (a.type == NFTA_EXPR_NAME) {
      name = terminated(a);
      return name.has_value();
    }
    if (a.type == NFTA_EXPR_DATA) {
      data = a;
    }
    return true;
  });
  if (!whole || !name) {
    return false;
  }
  if (!data) {
    return true;
  }
  const Kind kind = kind_of(*name);
  return walk_nested(*data, [&](const Attribute& a) {
    if (kind == Kind::dynset && a.type == NFTA_DYNSET_EXPR) {
      return expression_ok(a, depth + 1);
    }
    if (kind == Kind::dynset && a.type == NFTA_DYNSET_EXPRESSIONS) {
      return list_ok(a, depth + 1);
    }
    if (string_attribute(kind, a.type)) {
      return terminated(a).has_value();
    }
    const auto holds = data_register(kind, a.type);
    return !holds || data_ok(a, *holds);
  });
}

/// A list of NFTA_LIST_ELEM expressions (libnftnl stops at anything else).
bool list_ok(const Attribute& list, int depth) {
  return walk_nested(list,
                     [&](const Attribute& a) { return a.type != NFTA_LIST_ELEM || expression_ok(a, depth); });
}

bool string_ok(const Attribute& a) { return terminated(a).has_value(); }

/// A chain's hook: its device, or its list of devices (NFTA_DEVICE_NAME, 1).
bool hook_ok(const Attribute& hook) {
  return walk_nested(hook, [](const Attribute& a) {
    if (a.type == NFTA_HOOK_DEV) {
      return string_ok(a);
    }
    if (a.type == NFTA_HOOK_DEVS) {
      return walk_nested(a, [](const Attribute& device) { return device.type != 1 || string_ok(device); });
    }
    return true;
  });
}

/// A set element: its key, key end and data are data registers. libnftnl
/// (1.2) checks an element's attribute types against NFTA_SET_MAX, not
/// NFTA_SET_ELEM_MAX, then stores them in a NFTA_SET_ELEM_MAX table on the
/// stack: a type in between writes past it.
bool element_ok(const Attribute& element) {
  return walk_nested(element, [](const Attribute& e) {
    if (e.type > NFTA_SET_ELEM_MAX) {
      return false;
    }
    if (e.type == NFTA_SET_ELEM_KEY || e.type == NFTA_SET_ELEM_KEY_END) {
      return data_ok(e, Holds::value);
    }
    if (e.type == NFTA_SET_ELEM_DATA) {
      return data_ok(e, Holds::value_or_verdict);  // a verdict map's
    }
    if (e.type == NFTA_SET_ELEM_OBJREF) {
      return string_ok(e);
    }
    if (e.type == NFTA_SET_ELEM_EXPR) {
      return expression_ok(e, 0);
    }
    return e.type != NFTA_SET_ELEM_EXPRESSIONS || list_ok(e, 0);
  });
}

/// A set's description: its concatenation lists at most NFT_REG32_COUNT
/// field lengths. libnftnl stores each into a 16-byte array without
/// counting, then writes on over the set object's list heads.
bool description_ok(const Attribute& description) {
  std::size_t fields = 0;
  return walk_nested(description, [&](const Attribute& d) {
    if (d.type != NFTA_SET_DESC_CONCAT) {
      return true;
    }
    return walk_nested(d, [&](const Attribute& element) {
      if (element.type != NFTA_LIST_ELEM) {
        return true;
      }
      return walk_nested(element, [&](const Attribute& field) {
        fields += field.type == NFTA_SET_FIELD_LEN ? 1 : 0;
        return fields <= static_cast<std::size_t>(NFT_REG32_COUNT);
      });
    });
  });
}

/// One top-level attribute of the message, read as `as`.
bool top_level_ok(ParsedAs as, const Attribute& a) {
  switch (as) {
    case ParsedAs::chain:
      if (a.type == NFTA_CHAIN_TABLE || a.type == NFTA_CHAIN_NAME || a.type == NFTA_CHAIN_TYPE) {
        return string_ok(a);
      }
      return a.type != NFTA_CHAIN_HOOK || hook_ok(a);
    case ParsedAs::rule:
      if (a.type == NFTA_RULE_TABLE || a.type == NFTA_RULE_CHAIN) {
        return string_ok(a);
      }
      return a.type != NFTA_RULE_EXPRESSIONS || list_ok(a, 0);
    case ParsedAs::set:
      if (a.type == NFTA_SET_TABLE || a.type == NFTA_SET_NAME) {
        return string_ok(a);
      }
      if (a.type == NFTA_SET_DESC) {
        return description_ok(a);
      }
      if (a.type == NFTA_SET_EXPR) {
        return expression_ok(a, 0);
      }
      return a.type != NFTA_SET_EXPRESSIONS || list_ok(a, 0);
    case ParsedAs::set_elements:
      if (a.type == NFTA_SET_ELEM_LIST_TABLE || a.type == NFTA_SET_ELEM_LIST_SET) {
        return string_ok(a);
      }
      if (a.type != NFTA_SET_ELEM_LIST_ELEMENTS) {
        return true;
      }
      return walk_nested(
          a, [](const Attribute& element) { return element.type != NFTA_LIST_ELEM || element_ok(element); });
  }
  return false;
}

}  // namespace

bool libnftnl_can_parse(const nlmsghdr* nlh, ParsedAs as) {
  return walk_message(nlh, [&](const Attribute& a) { return top_level_ok(as, a); });
}

}  // namespace whyno::netfilter::nft
