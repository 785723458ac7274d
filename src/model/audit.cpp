#include "whyno/model/audit.hpp"

namespace whyno {

bool is_broken(const AuditEntry& entry) {
  return entry.item.kind == AuditItem::Kind::published && entry.diagnosis.verdict != Verdict::reachable &&
         entry.diagnosis.verdict != Verdict::inconclusive;
}

AuditTally tally(const std::vector<AuditEntry>& entries) {
  AuditTally t;
  for (const AuditEntry& e : entries) {
    if (e.item.kind == AuditItem::Kind::unpublished) {
      ++t.unpublished;
      continue;
    }
    ++t.published;
    if (is_broken(e)) {
      ++t.broken;
    } else if (e.diagnosis.verdict == Verdict::inconclusive) {
      ++t.inconclusive;
    }
  }
  return t;
}

Verdict audit_verdict(const std::vector<AuditEntry>& entries) {
  bool inconclusive = false;
  for (const AuditEntry& e : entries) {
    if (is_broken(e)) {
      return e.diagnosis.verdict;
    }
    inconclusive = inconclusive || (e.item.kind == AuditItem::Kind::published &&
                                    e.diagnosis.verdict == Verdict::inconclusive);
  }
  return inconclusive ? Verdict::inconclusive : Verdict::reachable;
}

}  // namespace whyno
