#pragma once
// --all's output: one line per port, grouped by container, then a summary
// line; or one JSON object holding the single-port diagnoses.

#include <ostream>
#include <vector>

#include "whyno/model/audit.hpp"
#include "whyno/render/text.hpp"

namespace whyno::render {

void render_audit_text(std::ostream& out, const std::vector<AuditEntry>& entries,
                       const std::vector<Unread>& unread, const TextStyle& style);

void render_audit_json(std::ostream& out, const std::vector<AuditEntry>& entries,
                       const std::vector<Unread>& unread);

/// "6 ports: 4 published, 1 broken; 2 not published" (text and JSON alike).
std::string audit_summary(const AuditTally& tally);

}  // namespace whyno::render
