// podman's database (libpod/bolt_state.db), read read-only and without its
// lock, so it may be torn, or made by anyone who can write the user's home:
// the BoltDB walk must stay inside the file and end, and the podman parser
// must never throw. Every bucket is walked, two levels down, as podman's
// layout has them (ctr -> a bucket per container -> config, state).
// containerd's meta.db, the same format, is parsed too (parse_containerd_meta).
// Seeds: tests/fixtures/engine/podman-rootless/ondisk-bolt/bolt_state.db,
// tests/fixtures/engine/containerd/meta_pod.db.

#include <cstddef>
#include <cstdint>

#include "engine/boltdb.hpp"
#include "engine/podman_bolt.hpp"
#include "fuzz_input.hpp"
#include "whyno/engine/containerd_pods.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

void walk(const BoltView& db, const BoltView::Bucket& bucket, int depth) {
  std::vector<BoltView::Bucket> inner;
  (void)db.for_each(bucket, [&](const BoltView::Entry& e) {
    if (const auto b = db.as_bucket(e)) {
      inner.push_back(*b);
    }
  });
  if (depth < 3) {
    for (const auto& b : inner) {
      walk(db, b, depth + 1);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = fuzz::bytes(fuzz::text(data, size));
  if (const auto db = BoltView::open(file)) {
    walk(*db, db->root(), 0);
    (void)db->value(db->root(), "runtime-config");
  }
  (void)parse_podman_bolt(file);
  // containerd's meta.db is the same format: its labels are printed and put
  // in kubectl commands, so only Kubernetes names come out.
  if (const auto pods = parse_containerd_meta(file)) {
    for (const ContainerdContainer& c : *pods) {
      WHYNO_FUZZ_CHECK(!c.pod_name.empty() && !c.pod_namespace.empty());
      WHYNO_FUZZ_CHECK(c.pod_name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") ==
                       std::string::npos);
      WHYNO_FUZZ_CHECK(!c.running);
    }
  }
  return 0;
}
