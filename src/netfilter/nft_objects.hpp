#pragma once
// RAII owners for libnftnl objects.

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include <memory>

namespace whyno::netfilter::nft {

struct NftnlFree {
  void operator()(nftnl_chain* p) const noexcept { nftnl_chain_free(p); }
  void operator()(nftnl_rule* p) const noexcept { nftnl_rule_free(p); }
  void operator()(nftnl_set* p) const noexcept { nftnl_set_free(p); }
  void operator()(nftnl_gen* p) const noexcept { nftnl_gen_free(p); }
  void operator()(nftnl_expr_iter* p) const noexcept { nftnl_expr_iter_destroy(p); }
  void operator()(nftnl_set_elems_iter* p) const noexcept { nftnl_set_elems_iter_destroy(p); }
};

using ChainPtr = std::unique_ptr<nftnl_chain, NftnlFree>;
using RulePtr = std::unique_ptr<nftnl_rule, NftnlFree>;
using SetPtr = std::unique_ptr<nftnl_set, NftnlFree>;
using GenPtr = std::unique_ptr<nftnl_gen, NftnlFree>;
using ExprIterPtr = std::unique_ptr<nftnl_expr_iter, NftnlFree>;
using SetElemsIterPtr = std::unique_ptr<nftnl_set_elems_iter, NftnlFree>;

}  // namespace whyno::netfilter::nft
