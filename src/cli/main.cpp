#include <malloc.h>

#include "run.hpp"

namespace {

// Each thread that decodes rules gets its own malloc arena, and glibc grows
// a thread's arena one mprotect(2) per page unless the arena starts large:
// 2,400 calls for a 10,000-rule ruleset, each taking the memory-map lock the
// other threads' page faults wait on (a sixth of that read's CPU). The pad
// is address space; only pages written count in RSS (+2 MiB at 10,000 rules).
constexpr int k_arena_start = 8 << 20;

}  // namespace

int main(int argc, char** argv) {
  ::mallopt(M_TOP_PAD, k_arena_start);
  return whyno::cli::run(argc, argv);
}
