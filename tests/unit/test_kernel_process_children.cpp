// rootlesskit's child in a namespace of its own, found through a /proc laid
// out as the kernel lays it out; and the owner's namespace reader's message,
// which must come back as it was sent.

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kernel/owner_netns.hpp"
#include "kernel/process_children.hpp"

using namespace whyno;
using namespace whyno::kernel;

namespace {

/// A fake /proc: each pid's ns/net is a symlink to "net:[INODE]", each
/// thread's children file lists child pids.
struct FakeProc {
  std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("whyno-proc-" + std::to_string(::getpid()));

  FakeProc() { std::filesystem::create_directories(root); }
  ~FakeProc() { std::filesystem::remove_all(root); }

  void process(int pid, unsigned inode, const std::string& children = "", unsigned uid = 1001) {
    const auto dir = root / std::to_string(pid);
    std::filesystem::create_directories(dir / "ns");
    std::filesystem::create_directories(dir / "task" / std::to_string(pid));
    std::filesystem::create_symlink("net:[" + std::to_string(inode) + "]", dir / "ns" / "net");
    std::ofstream(dir / "task" / std::to_string(pid) / "children") << children;
    std::ofstream(dir / "status") << "Name:\trootlesskit\nUid:\t" << uid << "\t" << uid << "\t" << uid << "\t"
                                  << uid << "\nGid:\t1001\n";
  }
};

}  // namespace

TEST_SUITE_BEGIN("kernel_process_children");

TEST_CASE("children and uids are parsed as /proc writes them") {
  CHECK(parse_children("9332 9314 ") == std::vector<int>{9332, 9314});
  CHECK(parse_children("") == std::vector<int>{});
  CHECK(parse_children("12 x 0 -3 7\n") == std::vector<int>{12, 7});
  CHECK(parse_status_uid("Name:\tx\nUid:\t1001\t1001\t1001\t1001\n") == 1001U);
  CHECK_FALSE(parse_status_uid("Name:\tx\n").has_value());
  CHECK_FALSE(parse_status_uid("Uid:\t\n").has_value());
}

TEST_CASE("rootlesskit's child is the one in another network namespace (slirp4netns is not)") {
  FakeProc proc;
  proc.process(9302, 4026531833, "9332 9314 ");
  proc.process(9332, 4026531833);  // slirp4netns, in the host's namespace
  proc.process(9314, 4026532401);  // the child that made rootless Docker's
  const auto child = find_forwarder_child(proc.root.string(), 9302);
  REQUIRE(child.has_value());
  CHECK(child->pid == 9314);
  CHECK(child->uid == 1001U);

  proc.process(7000, 4026531833, "9332");
  CHECK_FALSE(find_forwarder_child(proc.root.string(), 7000).has_value());
  CHECK_FALSE(find_forwarder_child(proc.root.string(), 1234).has_value());  // gone
}

TEST_CASE("the owner's reader's dumps come back as they were sent; a cut message is refused") {
  RawNetns raw;
  raw.links = std::vector<std::byte>{std::byte{1}, std::byte{2}, std::byte{3}};
  raw.routes = std::unexpected(Error{Error::Kind::permission_denied, "no", 1});
  raw.sockets[2] = std::vector<std::byte>(70000, std::byte{7});
  const auto bytes = encode_raw_netns(raw);
  const auto back = decode_raw_netns(bytes);
  REQUIRE(back.has_value());
  CHECK(*back->links == *raw.links);
  CHECK(back->addresses->empty());
  REQUIRE_FALSE(back->routes.has_value());
  CHECK(back->routes.error().kind == Error::Kind::permission_denied);
  CHECK(back->routes.error().message == "no");
  CHECK(back->routes.error().error_number == 1);
  CHECK(back->sockets[2]->size() == 70000);

  for (const std::size_t cut : {std::size_t{0}, std::size_t{5}, bytes.size() - 1}) {
    CHECK_FALSE(decode_raw_netns(std::span(bytes).first(cut)).has_value());
  }
  auto longer = bytes;
  longer.push_back(std::byte{0});
  CHECK_FALSE(decode_raw_netns(longer).has_value());
}

TEST_SUITE_END();
