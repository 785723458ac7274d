// snapshot::load on a facts snapshot, the whole pipeline's input: when it
// loads, diagnose(query, facts), both renderers into a string, and the
// save/load round trip (a saved snapshot loads again and saves the same).
// Seeds: tests/fixtures/snapshots/*.json.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_input.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/core/plan/client_addresses.hpp"
#include "whyno/render/json.hpp"
#include "whyno/render/text.hpp"
#include "whyno/snapshot/snapshot.hpp"

using namespace whyno;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string json(fuzz::text(data, size));
  const auto snap = snapshot::load(json);
  if (!snap) {
    return 0;
  }
  const Diagnosis d = diagnose(snap->query, snap->facts, snap->probe);
  (void)host_destination(snap->query, snap->facts);

  std::ostringstream text;
  render::render_text(text, snap->query, d, render::TextStyle{});
  std::ostringstream plain;
  render::render_text(plain, snap->query, d, render::TextStyle{.color = true, .unicode = false});
  std::ostringstream out;
  render::render_json(out, snap->query, d);
  WHYNO_FUZZ_CHECK(!text.str().empty() && !plain.str().empty() && !out.str().empty());

  const std::string saved = snapshot::save(*snap);
  const auto again = snapshot::load(saved);
  WHYNO_FUZZ_CHECK(again.has_value());
  WHYNO_FUZZ_CHECK(snapshot::save(*again) == saved);
  return 0;
}
