// Finding the namespace a packet goes to: every namespace of the host, each
// named by whoever knows it.

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kernel/namespace_census.hpp"
#include "whyno/kernel/namespace_reader.hpp"

using whyno::kernel::list_network_namespaces;
using whyno::kernel::namespace_label;

TEST_SUITE_BEGIN("kernel_namespace_census");

TEST_CASE("a namespace is named by its process's cgroup: pod, containerd, CRI-O, LXC, libvirt, unit") {
  CHECK(namespace_label(
            "0::/kubepods.slice/kubepods-besteffort.slice/"
            "kubepods-besteffort-pod5f1c2a3b_4d5e_6f70_8192_a3b4c5d6e7f8.slice/"
            "cri-containerd-3a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f9012.scope\n",
            42, "pause") == "pod 5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8 (Kubernetes)");
  CHECK(namespace_label("0::/kubepods/burstable/pod5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8/"
                        "3a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f9012\n",
                        42, "pause") == "pod 5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8 (Kubernetes)");
  CHECK(namespace_label(
            "0::/system.slice/containerd.service/"
            "cri-containerd-3a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f9012.scope\n",
            7, "app") == "containerd container 3a4b5c6d7e8f");
  CHECK(namespace_label(
            "0::/default/3a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f9012\n"
            "1:name=systemd:/containerd/3a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f9012\n",
            7, "app") == "containerd container 3a4b5c6d7e8f");
  // Named as kubectl names it where the kubelet's log directory has the uid.
  const std::vector<std::string> logs{
      "kube-system_coredns-5d78c9869d-abcde_0a1b2c3d-0000-4000-8000-000000000001",
      "default_web-7d9f8c6b5-x2x9z_5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"};
  CHECK(namespace_label("0::/kubepods/burstable/pod5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8/"
                        "3a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f90123a4b5c6d7e8f9012\n",
                        42, "pause", logs) == "pod default/web-7d9f8c6b5-x2x9z (Kubernetes)");
  CHECK(namespace_label("0::/lxc.payload.c1/init.scope\n", 9, "systemd") == "LXC container c1");
  CHECK(namespace_label("0::/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator\n", 9, "qemu")
            .starts_with("libvirt machine"));
  CHECK(namespace_label("0::/system.slice/dnsmasq-lab.service\n", 11, "dnsmasq") ==
        "systemd unit dnsmasq-lab.service");
  // A login session names nothing: the process does.
  CHECK(namespace_label("0::/user.slice/user-1000.slice/session-3.scope\n", 12, "unshare") ==
        "process 12 (unshare)");
  CHECK(namespace_label("", 13, "sleep") == "process 13 (sleep)");
}

TEST_CASE("the census: named namespaces first, then one process per other namespace, each once") {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("whyno-census-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path named = root / "netns";
  fs::create_directories(named);
  std::ofstream(named / "web").close();  // an empty file stands for the bind-mounted nsfs file
  std::ofstream(named / "junk") << "not a namespace";
  const auto process = [&](int pid, const std::string& link, const std::string& comm) {
    fs::create_directories(root / "proc" / std::to_string(pid) / "ns");
    fs::create_symlink(link, root / "proc" / std::to_string(pid) / "ns" / "net");
    std::ofstream(root / "proc" / std::to_string(pid) / "comm") << comm << "\n";
    std::ofstream(root / "proc" / std::to_string(pid) / "cgroup") << "0::/\n";
  };
  process(100, "net:[4026532281]", "sleep");
  process(101, "net:[4026532281]", "sleep");  // the same namespace: listed once
  process(102, "net:[4026532999]", "server");
  process(103, "garbage", "odd");
  const auto found = list_network_namespaces((root / "proc").string(), {named.string()});
  fs::remove_all(root);
  REQUIRE(found.size() == 3);
  CHECK(found[0].label == "web");
  CHECK(found[0].path == (named / "web").string());
  CHECK(found[0].pid == 0);
  std::set<std::uint64_t> inodes{found[1].inode, found[2].inode};
  CHECK(inodes == std::set<std::uint64_t>{4026532281U, 4026532999U});
  for (const auto& c : {found[1], found[2]}) {
    CHECK(c.label == (c.inode == 4026532999U ? "process 102 (server)"
                                             : "process " + std::to_string(c.pid) + " (sleep)"));
  }
}

TEST_SUITE_END();
