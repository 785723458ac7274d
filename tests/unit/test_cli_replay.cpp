// --replay takes a file a user or an attacker handed over: only regular
// files, bounded in size and nesting, every field checked, one sentence for
// anything wrong, and the question asked must fit the snapshot.

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/options.hpp"
#include "cli/replay.hpp"
#include "fixtures.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/snapshot/snapshot.hpp"

using namespace whyno;
using whyno::cli::load_snapshot_file;
using whyno::cli::parse_options;
using whyno::cli::replay;

namespace {

const char* k_recorded = "snapshots/bound-to-loopback__bound-to-loopback-host-1.json";

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/whyno-replay-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    m_path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(m_path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name, const std::string& text) const {
    const std::string path = m_path + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string path(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

/// The recorded snapshot with `from` replaced by `to` (once).
std::string edited(const std::string& from, const std::string& to) {
  std::string text = test::fixture_text(k_recorded);
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "fixture lacks ", from);
  text.replace(at, from.size(), to);
  return text;
}

void check_one_sentence(const Error& e) {
  CHECK(e.message.size() <= 286);
  CHECK(e.message.find('\n') == std::string::npos);
  CHECK_FALSE(e.message.empty());
}

cli::Options options_for(std::vector<const char*> args) {
  args.insert(args.begin(), "whyno-port");
  auto o = parse_options(args);
  REQUIRE(o);
  return *o;
}

}  // namespace

TEST_SUITE_BEGIN("cli_replay");

TEST_CASE("a recorded snapshot loads and replays its own question") {
  const auto snap = load_snapshot_file(test::fixture_path(k_recorded));
  REQUIRE(snap);
  const auto replayed = replay(*snap, options_for({"--replay", "x"}));
  REQUIRE(replayed);
  CHECK(replayed->query.port == snap->query.port);
  CHECK(diagnose(replayed->query, replayed->facts).verdict == Verdict::bound_to_loopback);
}

TEST_CASE("only regular files are read") {
  TempDir dir;
  const std::string fifo = dir.path("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::string& path : {fifo, std::string("/dev/zero"), std::string("/dev/null"), dir.path("")}) {
    INFO(path);
    const auto snap = load_snapshot_file(path);  // returns at once: no read of a FIFO or a device
    REQUIRE_FALSE(snap);
    CHECK(snap.error().message.find("is not a regular file") != std::string::npos);
    check_one_sentence(snap.error());
  }
  const auto missing = load_snapshot_file(dir.path("missing.json"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("No such file or directory") != std::string::npos);
}

TEST_CASE("a file over the size cap is refused before it is read") {
  TempDir dir;
  const std::string big = dir.path("big.json");
  std::ofstream(big).close();
  std::filesystem::resize_file(big, snapshot::k_max_snapshot_bytes + 1);  // sparse: no disk used
  const auto snap = load_snapshot_file(big);
  REQUIRE_FALSE(snap);
  CHECK(snap.error().message.find("larger than 64 MiB") != std::string::npos);
}

TEST_CASE("malformed snapshots are one sentence, never an exception") {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated", test::fixture_text(k_recorded).substr(0, 1000)},
      {"not an object", "[1, 2, 3]"},
      {"other format", R"({"whyno_port_snapshot": 2})"},
      {"deep nesting", std::string(100000, '[') + std::string(100000, ']')},
      {"prefix without length", edited("\"172.17.0.0/16\"", "\"::1/\"")},
      {"prefix length too long", edited("\"172.17.0.0/16\"", "\"172.17.0.0/99999999999999999999\"")},
      {"prefix longer than the address", edited("\"172.17.0.0/16\"", "\"172.17.0.0/33\"")},
      {"port out of range", edited("\"port\": 8080", "\"port\": 70000")},
      {"negative port", edited("\"port\": 8080", "\"port\": -1")},
      {"port of the wrong type", edited("\"port\": 8080", "\"port\": \"8080\"")},
      {"unknown protocol", edited("\"protocol\": \"tcp\"", "\"protocol\": \"sctp\"")},
      {"bad address", edited("\"172.17.0.1\"", "\"172.17.0.256\"")},
      {"a 64-bit field as a huge float", edited("\"inode\": ", "\"inode\": 1e308, \"x\": ")},
      {"a name with control bytes",
       edited("\"whyno_port_snapshot\": 1", "\"whyno_port_snapshot\": \"\\u001b[2J\"")},
  };
  for (const auto& [name, text] : cases) {
    INFO(name);
    const auto snap = load_snapshot_file(dir.file("s.json", text));
    REQUIRE_FALSE(snap);
    check_one_sentence(snap.error());
    CHECK(snap.error().message.find('\x1b') == std::string::npos);
  }
}

TEST_CASE("the question must fit the snapshot, as it must fit a live host") {
  const auto snap = load_snapshot_file(test::fixture_path(k_recorded));
  REQUIRE(snap);
  SUBCASE("--container that the snapshot does not hold") {
    const auto replayed = replay(*snap, options_for({"--replay", "x", "8080", "--container", "nosuch"}));
    REQUIRE_FALSE(replayed);
    CHECK(replayed.error().message == "no container is named or has the id 'nosuch'");
  }
  SUBCASE("--container without a TARGET contradicts the saved question") {
    const auto replayed = replay(*snap, options_for({"--replay", "x", "--container", "web"}));
    REQUIRE_FALSE(replayed);
    CHECK(replayed.error().message.starts_with("the snapshot answers 'localhost:8080/tcp'"));
  }
  SUBCASE("another TARGET: the saved probe does not answer it") {
    const auto replayed = replay(*snap, options_for({"--replay", "x", "8081"}));
    REQUIRE(replayed);
    CHECK(replayed->query.port == 8081);
    CHECK_FALSE(replayed->probe.has_value());
  }
}

TEST_SUITE_END();

TEST_CASE("--all is saved and replayed: the facts once, each port's probe beside them") {
  const auto single = load_snapshot_file(test::fixture_path(k_recorded));
  REQUIRE(single);
  // A snapshot saved by --all: every port, and what each one's probe saw.
  snapshot::Snapshot all = *single;
  all.all = true;
  all.query = Query{};
  all.probe.reset();
  const auto as_all = replay(all, options_for({"--replay", "x"}));
  REQUIRE(as_all);
  CHECK(as_all->all);
  TempDir dir;
  ProbeResult seen;
  seen.outcome = ProbeResult::Outcome::reset_or_closed;
  seen.detail = "Empty reply from server";
  Query item = single->query;
  item.container = single->facts.engine->containers.front().name;
  all.probes.push_back({item, seen});
  all.project = "shop";
  const auto loaded = snapshot::load(snapshot::save(all));
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  CHECK(loaded->all);
  CHECK(loaded->project == "shop");
  REQUIRE(loaded->probes.size() == 1);
  CHECK(loaded->probes.front().query.port == item.port);
  CHECK(loaded->probes.front().result.outcome == ProbeResult::Outcome::reset_or_closed);
  CHECK_FALSE(loaded->probe);
  // One question asked of it takes that port's probe.
  const auto one = replay(*loaded, options_for({"--replay", "x", std::to_string(item.port).c_str()}));
  REQUIRE_MESSAGE(one, one.error().message);
  CHECK_FALSE(one->all);
  REQUIRE(one->probe);
  CHECK(one->probe->detail == "Empty reply from server");
  // A snapshot of one question replayed as --all: its one probe tried one port only.
  const auto widened = replay(*single, options_for({"--replay", "x", "--all"}));
  REQUIRE(widened);
  CHECK(widened->all);
  CHECK(widened->probes.empty());
  // --project must name a project of the snapshot.
  const auto wrong = replay(*single, options_for({"--replay", "x", "--all", "--project", "nosuch"}));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("no container belongs to a Compose project 'nosuch'") !=
        std::string::npos);
}

TEST_CASE("a snapshot of format 1 keeps its probe among the facts; it is read beside them") {
  const std::string text = test::fixture_text(k_recorded);
  REQUIRE(text.find("\"probe\"") != std::string::npos);
  const auto snap = snapshot::load(text);
  REQUIRE(snap);
  REQUIRE(snap->probe);
  const auto saved = snapshot::save(*snap);
  const auto again = snapshot::load(saved);
  REQUIRE(again);
  REQUIRE(again->probe);
  CHECK(again->probe->outcome == snap->probe->outcome);
  CHECK(snapshot::save(*again) == saved);
}
