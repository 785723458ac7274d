// Who wrote a rule and what for, from the shapes Docker 20.10-29 write
// (upstream's iptablesdoc/nftablesdoc), ufw's and firewalld's chain names.

#include <doctest/doctest.h>

#include "core/firewall/rule_origin.hpp"
#include "facts_builder.hpp"

using namespace whyno;
using namespace whyno::test;
using nf::ActionKind;
using nf::Field;
using whyno::detail::origin_of;
using whyno::detail::RuleOrigin;

namespace {

Facts with_container() {
  Facts f = host_facts();
  add_container(f, "web", "172.17.0.2");
  return f;
}

nf::Rule nft_rule(const char* table, const char* chain, const char* comment, ActionKind kind) {
  nf::Rule r = make_rule(table, chain, {}, kind);
  r.comment = comment;
  return r;
}

}  // namespace

TEST_SUITE_BEGIN("core_rule_origin");

TEST_CASE("Docker 28+'s raw PREROUTING drops: direct access and remote loopback") {
  const Facts f = with_container();
  const auto direct = origin_of(make_rule("raw", "PREROUTING",
                                          {match_prefix(Field::daddr, "172.17.0.2", 32),
                                           match_interface(Field::iifname, "docker0", true)},
                                          ActionKind::drop),
                                f);
  CHECK(direct.author == RuleOrigin::Author::docker);
  CHECK(direct.purpose == RuleOrigin::Purpose::direct_access);
  const auto loopback = origin_of(make_rule("raw", "PREROUTING",
                                            {match_prefix(Field::daddr, "127.0.0.1", 32),
                                             match_interface(Field::iifname, "lo", true), match_dport(8080)},
                                            ActionKind::drop),
                                  f);
  CHECK(loopback.purpose == RuleOrigin::Purpose::remote_loopback);
  // A drop of the user's own in raw PREROUTING is the user's.
  const auto own = origin_of(
      make_rule("raw", "PREROUTING", {match_prefix(Field::saddr, "198.51.100.0", 24)}, ActionKind::drop), f);
  CHECK(own.author == RuleOrigin::Author::user);
}

TEST_CASE("Docker's iptables chains: unpublished ports and ICC") {
  const Facts f = with_container();
  const auto unpublished = origin_of(make_rule("filter", "DOCKER",
                                               {match_interface(Field::iifname, "bridge1", true),
                                                match_interface(Field::oifname, "bridge1")},
                                               ActionKind::drop),
                                     f);
  CHECK(unpublished.purpose == RuleOrigin::Purpose::unpublished_port);
  const auto icc29 = origin_of(
      make_rule("filter", "DOCKER-FORWARD",
                {match_interface(Field::iifname, "bridge1"), match_interface(Field::oifname, "bridge1")},
                ActionKind::drop),
      f);
  CHECK(icc29.purpose == RuleOrigin::Purpose::inter_container);
  const auto icc20 = origin_of(
      make_rule("filter", "FORWARD",
                {match_interface(Field::iifname, "docker0"), match_interface(Field::oifname, "docker0")},
                ActionKind::drop),
      f);
  CHECK(icc20.author == RuleOrigin::Author::docker);
  CHECK(icc20.purpose == RuleOrigin::Purpose::inter_container);
  CHECK(origin_of(make_rule("filter", "DOCKER-ISOLATION-STAGE-2",
                            {match_interface(Field::oifname, "docker0")}, ActionKind::drop),
                  f)
            .purpose == RuleOrigin::Purpose::isolation);
}

TEST_CASE("Docker 29's nftables backend: by table and comment") {
  const Facts f = with_container();
  CHECK(origin_of(nft_rule("docker-bridges", "raw-PREROUTING", "DROP DIRECT ACCESS", ActionKind::drop), f)
            .purpose == RuleOrigin::Purpose::direct_access);
  CHECK(origin_of(nft_rule("docker-bridges", "filter-forward-in__bridge1", "UNPUBLISHED PORT DROP",
                           ActionKind::drop),
                  f)
            .purpose == RuleOrigin::Purpose::unpublished_port);
  CHECK(origin_of(nft_rule("docker-bridges", "filter-forward-in__bridge1", "ICC", ActionKind::drop), f)
            .purpose == RuleOrigin::Purpose::inter_container);
  const auto accept =
      origin_of(nft_rule("docker-bridges", "filter-forward-in__bridge1", "ICC", ActionKind::accept), f);
  CHECK(accept.author == RuleOrigin::Author::docker);
  CHECK(accept.purpose == RuleOrigin::Purpose::none);
}

TEST_CASE("DOCKER-USER, netavark, ufw, firewalld, kube-proxy and the user") {
  const Facts f = with_container();
  CHECK(origin_of(make_rule("filter", "DOCKER-USER", {}, ActionKind::drop), f).author ==
        RuleOrigin::Author::docker_user);
  CHECK(origin_of(make_rule("filter", "NETAVARK_FORWARD", {}, ActionKind::drop), f).author ==
        RuleOrigin::Author::netavark);
  CHECK(origin_of(make_rule("filter", "ufw-user-forward", {}, ActionKind::drop), f).who == "ufw's");
  CHECK(origin_of(nft_rule("firewalld", "filter_FWD_public", "", ActionKind::reject), f).author ==
        RuleOrigin::Author::firewalld);
  CHECK(origin_of(make_rule("filter", "KUBE-FORWARD", {}, ActionKind::drop), f).author ==
        RuleOrigin::Author::kubernetes);
  CHECK(origin_of(make_rule("filter", "INPUT", {}, ActionKind::drop), f).author == RuleOrigin::Author::user);
}

TEST_SUITE_END();
