// Rootful podman read from its files when no podman API answers: what
// podman_state.hpp's parsers give, put together into the engine's facts.

#include "podman_state.hpp"

#include "podman_bolt.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "whyno/sys/owned_file.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::engine {

namespace {

constexpr std::size_t k_max_state_file = std::size_t{16} << 20;
// A directory of network files or DNS lists: one per network.
constexpr std::size_t k_max_directory_entries = 4096;

std::vector<Network> read_networks(const StateFiles& files, const std::string& dir) {
  std::vector<Network> networks{podman_default_network()};
  std::vector<std::string> names = files.list(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (!name.ends_with(".json")) {
      continue;
    }
    if (const auto text = files.read(fmt::format("{}/{}", dir, name))) {
      if (auto network = parse_netavark_network(*text); network && network->name != "podman") {
        networks.push_back(std::move(*network));
      }
    }
  }
  return networks;
}

std::map<std::string, AardvarkNetwork> read_aardvark(const StateFiles& files, const std::string& dir) {
  std::map<std::string, AardvarkNetwork> dns;
  for (const std::string& name : files.list(dir)) {
    if (name.starts_with("aardvark")) {
      continue;  // aardvark.pid and the like
    }
    if (const auto text = files.read(fmt::format("{}/{}", dir, name))) {
      dns.emplace(name, parse_aardvark(*text));
    }
  }
  return dns;
}

const Network* network_holding(const std::vector<Network>& networks, const IpAddress& address) {
  for (const Network& n : networks) {
    for (const IpPrefix& subnet : n.subnets) {
      if (subnet.contains(address)) {
        return &n;
      }
    }
  }
  return nullptr;
}

ContainerNetwork attachment(const std::vector<Network>& networks, std::string name, const IpAddress& address,
                            std::optional<IpAddress> gateway) {
  ContainerNetwork n;
  n.ipv4 = address;
  if (const Network* network = network_holding(networks, address)) {
    for (const IpPrefix& subnet : network->subnets) {
      if (subnet.contains(address)) {
        n.ipv4_prefix_len = subnet.length;
      }
    }
    if (name.empty()) {
      name = network->name;
    }
    if (!gateway && !network->gateways.empty()) {
      gateway = network->gateways.front();
    }
  }
  n.name = name.empty() ? std::string("(unknown network)") : std::move(name);
  n.network_id = n.name;  // podman's NetworkID is the name, as its API says
  n.gateway = gateway;
  return n;
}

Container read_container(const StateFiles& files, const StoredContainer& stored,
                         const std::string& storage_dir, const std::string& run_dir_root,
                         const std::vector<Network>& networks,
                         const std::map<std::string, AardvarkNetwork>& dns) {
  Container c;
  c.id = stored.id;
  c.name = stored.name;
  c.image = stored.image;
  c.created = stored.created;
  const std::string static_dir = fmt::format("{}/{}/userdata", storage_dir, stored.id);
  const std::string run_dir = fmt::format("{}/{}/userdata", run_dir_root, stored.id);
  OciSpec spec;
  if (const auto text = files.read(static_dir + "/config.json")) {
    if (auto parsed = parse_oci_spec(*text)) {
      spec = std::move(*parsed);
    }
  }
  const auto pid_text = files.read(run_dir + "/pidfile");
  const std::optional<int> pid = pid_text ? parse_pidfile(*pid_text) : std::nullopt;
  c.state.running = pid && files.alive(*pid);
  c.state.pid = c.state.running ? *pid : 0;
  // Stopped: podman's cleanup removed the runtime files; its exit code is in BoltDB.
  c.state.status = c.state.running ? "running" : "exited";
  c.network_mode = spec.network_namespace ? "bridge" : "host";
  c.sandbox_key = spec.netns_path;
  c.hostname = spec.hostname;
  c.hosts_path = spec.hosts_path.empty() ? run_dir + "/hosts" : spec.hosts_path;

  const std::string short_id = c.id.substr(0, 12);
  for (const auto& [network, table] : dns) {
    for (const AardvarkEntry& entry : table.entries) {
      if (entry.id != c.id || entry.addresses.empty()) {
        continue;
      }
      ContainerNetwork n = attachment(networks, network, entry.addresses.front(), table.gateway);
      for (const std::string& alias : entry.names) {
        if (alias != c.name && alias != short_id) {
          n.aliases.push_back(alias);
        }
      }
      n.aliases.push_back(short_id);  // as the API lists them
      c.networks.push_back(std::move(n));
    }
  }
  const auto hosts_text = files.read(c.hosts_path);
  const PodmanHosts hosts = hosts_text ? parse_podman_hosts(*hosts_text, c.name) : PodmanHosts{};
  for (const IpAddress& address : hosts.own) {
    const bool known = std::any_of(c.networks.begin(), c.networks.end(),
                                   [&](const ContainerNetwork& n) { return n.ipv4 == address; });
    if (!known) {
      c.networks.push_back(attachment(networks, {}, address, hosts.gateway));
    }
  }
  if (spec.network_namespace && c.networks.empty() && hosts_text) {
    c.network_mode = "none";  // a namespace with no address of podman's: --network none
  }
  return c;
}

class PodmanState final : public EngineSource {
 public:
  PodmanState(StateFiles files, PodmanStore store) : m_files(std::move(files)), m_store(std::move(store)) {}

  // The files hold every container whole: list() reads them all, and
  // there is nothing left for finish() to inspect.
  Result<Engine> list() override {
    auto engine = read_podman_state(m_files, m_store);
    if (engine) {
      m_read = *engine;
    }
    return engine;
  }

  Result<Engine> finish(const InspectIds& /*ids*/) override {
    if (!m_read) {
      return fail(Error::Kind::invalid, "podman's files were not listed before they were finished");
    }
    return std::move(*m_read);
  }

  Result<std::optional<Container>> inspect(const std::string& id) override {
    WHYNO_TRY_ASSIGN(auto engine, read_podman_state(m_files, m_store));
    for (Container& c : engine.containers) {
      if (c.id == id) {
        return std::optional<Container>(std::move(c));
      }
    }
    return std::optional<Container>();
  }

 private:
  StateFiles m_files;
  PodmanStore m_store;
  std::optional<Engine> m_read;  // list()'s, for finish()
};

/// podman's database, when it can be read.
Result<PodmanBolt> read_bolt(const StateFiles& files, const PodmanStore& store) {
  const std::string path = store.storage + "/libpod/bolt_state.db";
  WHYNO_TRY_ASSIGN(const std::string bytes, files.read(path));
  auto bolt = parse_podman_bolt(std::as_bytes(std::span(bytes.data(), bytes.size())));
  if (!bolt) {
    return fail(bolt.error().kind, fmt::format("{}: {}", printable(path), bolt.error().message));
  }
  return bolt;
}

/// What only the database knows: the bindings, the network mode, and the
/// state of a container that is not running (created or exited, and how).
void apply_bolt(Container& c, const BoltContainer& b) {
  c.intended = b.bindings;
  if (c.state.running) {
    c.actual = b.bindings;
    c.state.started_at = b.state.started_at;
    c.state.paused = b.state.paused;
    if (b.state.paused) {
      c.state.status = "paused";
    }
  } else {
    const int pid = c.state.pid;
    c.state = b.state;
    c.state.running = false;
    c.state.paused = false;
    c.state.pid = pid;
    if (c.state.status == "running" || c.state.status == "paused" || c.state.status == "unknown") {
      c.state.status = "exited";  // the database lags: its process is gone
    }
  }
  if (c.image.empty()) {
    c.image = b.image;
  }
  if (!b.network_mode.empty() && b.network_mode != "bridge" && c.network_mode != "none") {
    c.network_mode = b.network_mode;  // slirp4netns, pasta, host, ns:...
  }
}

}  // namespace

PodmanStore rootless_podman_store(unsigned uid, const std::string& home) {
  PodmanStore store;
  store.storage = home + "/.local/share/containers/storage";
  store.runroot = fmt::format("/run/user/{}/containers", uid);
  store.networks = store.storage + "/networks";
  store.aardvark = store.runroot + "/networks/aardvark-dns";
  store.uid = uid;
  return store;
}

Result<Engine> read_podman_state(const StateFiles& files, const PodmanStore& store) {
  const auto bolt = read_bolt(files, store);
  // c/storage keeps containers under the graph driver's name: overlay for
  // root, vfs (or fuse-overlayfs, as overlay) for many rootless users.
  std::vector<std::string> drivers{"overlay", "vfs"};
  if (bolt && !bolt->graph_driver.empty()) {
    drivers.insert(drivers.begin(), bolt->graph_driver);
  }
  Result<std::string> list = fail(Error::Kind::not_found, "");
  std::string driver;
  for (const std::string& d : drivers) {
    if ((list = files.read(fmt::format("{}/{}-containers/containers.json", store.storage, d)))) {
      driver = d;
      break;
    }
  }
  const std::string list_path = fmt::format("{}/{}-containers/containers.json", store.storage,
                                            driver.empty() ? drivers.front() : driver);
  if (!list) {
    return fail(Error::Kind::not_found, fmt::format("cannot read {}", printable(list_path)));
  }
  auto stored = parse_storage_containers(*list);
  if (!stored) {
    return fail(Error::Kind::invalid, fmt::format("{}: {}", list_path, stored.error().message));
  }
  Engine engine;
  engine.product = "podman";
  engine.socket = store.storage;
  engine.networks = read_networks(files, store.networks);
  const auto dns = read_aardvark(files, store.aardvark);
  const std::string storage_dir = fmt::format("{}/{}-containers", store.storage, driver);
  const std::string run_dir = fmt::format("{}/{}-containers", store.runroot, driver);
  for (const StoredContainer& s : *stored) {
    Container c = read_container(files, s, storage_dir, run_dir, engine.networks, dns);
    if (bolt) {
      const auto it = std::find_if(bolt->containers.begin(), bolt->containers.end(),
                                   [&](const BoltContainer& b) { return b.id == c.id; });
      if (it != bolt->containers.end()) {
        apply_bolt(c, *it);
      }
    }
    engine.containers.push_back(std::move(c));
  }
  const bool rootless = store.uid && *store.uid != 0;
  engine.engines.push_back({"podman", "", "", store.storage, rootless, store.uid.value_or(0U), true});
  if (!bolt) {
    engine.unread.push_back(
        {"podman's port bindings",
         fmt::format("no podman API answers (podman system service is not running), and podman "
                     "keeps port bindings and exit codes only in its database ({}/libpod/"
                     "bolt_state.db), which whyno-port could not read ({}); its containers come "
                     "from their files, their ports from netavark's rules",
                     printable(store.storage), excerpt(bolt.error().message, 200))});
  } else if (bolt->bindings_capped) {
    engine.unread.push_back(
        {"podman's port bindings",
         fmt::format("podman's database ({}/libpod/bolt_state.db) maps more ports than whyno-port "
                     "keeps ({} per container, {} in all); the rest are not read",
                     printable(store.storage), k_max_bindings_per_container, k_max_bindings)});
  }
  return engine;
}

StateFiles live_state_files(unsigned owner) {
  StateFiles files;
  files.read = [owner](const std::string& path) {
    return sys::read_owned_file(path, sys::FileOwner{owner}, k_max_state_file);
  };
  files.list = [owner](const std::string& path) {
    return sys::list_owned_directory(path, sys::FileOwner{owner}, k_max_directory_entries)
        .value_or(std::vector<std::string>{});
  };
  files.alive = [](int pid) {
    std::error_code error;
    return std::filesystem::exists(fmt::format("/proc/{}", pid), error);
  };
  return files;
}

std::unique_ptr<EngineSource> open_podman_state(StateFiles files, PodmanStore store) {
  return std::make_unique<PodmanState>(std::move(files), std::move(store));
}

}  // namespace whyno::engine
