#include "addresses_diagnosis.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "host_path.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

/// Nothing at all carries the port at this address: the client's other
/// address is where the publication is meant to be reached.
bool nothing_there(Verdict verdict) {
  return verdict == Verdict::nothing_published || verdict == Verdict::host_address_mismatch;
}

/// "::1 (host-address-mismatch: ...)" when the failure is why the client
/// fell back; "::1 (nothing-published)" beside a verdict of its own, whose
/// sentence says enough (every summary is in Diagnosis::addresses).
std::string attempt_phrase(const AddressAttempt& a, bool with_summary) {
  return with_summary ? fmt::format("{} ({}: {})", a.address.to_string(), code(a.verdict), a.summary)
                      : fmt::format("{} ({})", a.address.to_string(), code(a.verdict));
}

}  // namespace

bool connect_fails(const Diagnosis& d) {
  return d.verdict != Verdict::reachable && d.verdict != Verdict::inconclusive && !d.connection_accepted;
}

Diagnosis diagnose_addresses(const Query& query, const Facts& facts,
                             const std::vector<IpAddress>& addresses) {
  std::vector<Diagnosis> tried;
  std::vector<AddressAttempt> attempts;
  std::optional<std::size_t> decided;  // the first address whose connect() does not fail
  for (std::size_t i = 0; i < addresses.size() && !decided; ++i) {
    Diagnosis d = diagnose_host(query, facts, addresses[i], std::nullopt);
    attempts.push_back({addresses[i], d.verdict, d.summary, connect_fails(d)});
    if (!attempts.back().connect_fails) {
      decided = i;
    }
    tried.push_back(std::move(d));
  }
  if (!decided) {
    const auto worth_fixing = std::find_if(attempts.begin(), attempts.end(),
                                           [](const AddressAttempt& a) { return !nothing_there(a.verdict); });
    decided = worth_fixing == attempts.end() ? 0 : static_cast<std::size_t>(worth_fixing - attempts.begin());
  }
  Diagnosis out = std::move(tried[*decided]);
  const AddressAttempt& chosen = attempts[*decided];
  std::vector<std::string> failed;
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    if (i == *decided) {
      continue;
    }
    const AddressAttempt& a = attempts[i];
    failed.push_back(attempt_phrase(a, out.verdict == Verdict::reachable));
    // The same verdict at another address is the same problem, and nothing
    // published at an address the client also tries is no fault of its own
    // when another address carries the port: evidence, not "also".
    if (out.verdict != Verdict::reachable && a.verdict != out.verdict &&
        (!nothing_there(a.verdict) || nothing_there(out.verdict))) {
      Problem also{a.verdict, fmt::format("At {}: {}", a.address.to_string(), a.summary), tried[i].fix,
                   tried[i].fix_commands};
      out.also.push_back(std::move(also));
    }
  }
  std::vector<std::string> order;
  for (const AddressAttempt& a : attempts) {
    order.push_back(a.address.to_string());
  }
  if (!failed.empty()) {
    const std::string dialled = fmt::format("client: {} is dialled at {}, in that order, as curl does",
                                            query.target.text, join_words(order, "then"));
    if (out.verdict == Verdict::reachable) {
      // Every address before the one that works failed at connect().
      const std::vector<std::string> before(order.begin(),
                                            order.begin() + static_cast<std::ptrdiff_t>(*decided));
      out.summary += fmt::format(" {} {} first and fail{}; the client falls back to {}.",
                                 join_words(before, "and"), before.size() == 1 ? "is tried" : "are tried",
                                 before.size() == 1 ? "s" : "", chosen.address.to_string());
      out.evidence.push_back(fmt::format("{}; failed: {}", dialled, join_words(failed, "and")));
    } else {
      out.evidence.push_back(fmt::format("{}; {} decides; also failed: {}", dialled,
                                         chosen.address.to_string(), join_words(failed, "and")));
    }
  }
  out.addresses = std::move(attempts);
  return out;
}

}  // namespace whyno::detail
