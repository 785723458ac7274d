// Linked into fuzz_nftables only. libnftnl (1.2) answers an attribute of the
// wrong size or type with abi_breakage(): it prints "nf_tables kernel ABI is
// broken, contact your vendor." and calls exit(EXIT_FAILURE). Random bytes hit
// that within milliseconds, so the fuzzer would stop there every time.
//
// This file wraps the four libnftnl parsers whyno-port calls. Each message is
// first parsed into a scratch object; an exit() during that parse jumps back
// out of libnftnl (only libnftnl's and libmnl's C frames are skipped), the
// scratch object and every block the abandoned call left unattached are
// freed (only blocks libnftnl's own code allocated: ASan's allocation stack
// says which), and the wrapper returns -1, "could not be parsed", which the
// decoder already turns into an Unread entry. Nothing leaks, so
// LeakSanitizer stays fully on. When the scratch parse succeeds, the caller's object is parsed
// for real. Outside these parsers exit() is the real one.
//
// In whyno-port itself such a dump still ends the process: see README.md.

#include <dlfcn.h>
#include <sanitizer/allocator_interface.h>
#include <sanitizer/asan_interface.h>

#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

struct nlmsghdr;
struct nftnl_chain;
struct nftnl_rule;
struct nftnl_set;

namespace {

sigjmp_buf* g_guard = nullptr;  // set while a scratch parse runs
bool g_tracking = false;        // record blocks allocated and freed

// Blocks allocated while tracking and not freed yet.
constexpr std::size_t k_max_tracked = std::size_t{1} << 16;
const volatile void* g_live[k_max_tracked];
std::size_t g_live_count = 0;
bool g_overflowed = false;

void on_malloc(const volatile void* block, std::size_t) {
  if (!g_tracking) {
    return;
  }
  if (g_live_count < k_max_tracked) {
    g_live[g_live_count++] = block;
  } else {
    g_overflowed = true;
  }
}

void on_free(const volatile void* block) {
  if (!g_tracking) {
    return;
  }
  for (std::size_t i = g_live_count; i-- > 0;) {
    if (g_live[i] == block) {
      g_live[i] = g_live[--g_live_count];
      return;
    }
  }
}

bool hooks_installed() {
  static const bool installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
  return installed;
}

/// Whether libnftnl itself allocated `block` (and not, say, glibc while
/// libnftnl called it): the first frame of its allocation stack outside this
/// executable, i.e. past the malloc interceptor, lies in libnftnl.
bool allocated_by_libnftnl(const volatile void* block) {
  void* trace[4] = {};
  int thread = 0;
  const std::size_t frames =
      __asan_get_alloc_stack(const_cast<void*>(block), trace, std::size(trace), &thread);
  static const void* const self = [] {
    Dl_info info{};
    return dladdr(reinterpret_cast<const void*>(&hooks_installed), &info) != 0 ? info.dli_fbase : nullptr;
  }();
  for (std::size_t i = 0; i < frames; ++i) {
    Dl_info info{};
    if (dladdr(trace[i], &info) == 0 || info.dli_fbase == self) {
      continue;
    }
    return info.dli_fname != nullptr && std::strstr(info.dli_fname, "libnftnl") != nullptr;
  }
  return false;
}

template <typename Object>
using Parse = int (*)(const nlmsghdr*, Object*);

/// libnftnl's own definition of the function this file replaces.
template <typename Function>
Function next_definition(const char* symbol) {
  auto* const found = reinterpret_cast<Function>(dlsym(RTLD_NEXT, symbol));
  if (found == nullptr || !hooks_installed()) {
    std::fprintf(stderr, "nftnl_exit_guard: cannot wrap %s\n", symbol);
    __builtin_trap();
  }
  return found;
}

template <typename Object>
int guarded(Parse<Object> real, Object* (*make)(), void (*release)(Object*), const nlmsghdr* nlh,
            Object* object) {
  Object* const scratch = make();
  if (scratch == nullptr) {
    return -1;
  }
  sigjmp_buf env;
  g_live_count = 0;
  g_overflowed = false;
  g_tracking = true;
  if (sigsetjmp(env, 0) != 0) {
    g_guard = nullptr;
    release(scratch);  // frees what the abandoned call attached to it
    g_tracking = false;
    for (std::size_t i = 0; i < g_live_count; ++i) {
      if (allocated_by_libnftnl(g_live[i])) {
        std::free(const_cast<void*>(g_live[i]));  // and what it attached nowhere
      }
    }
    if (g_overflowed) {
      std::fprintf(stderr, "nftnl_exit_guard: too many blocks to track; some leak\n");
    }
    return -1;
  }
  g_guard = &env;
  (void)real(nlh, scratch);
  g_guard = nullptr;
  g_tracking = false;
  release(scratch);
  return real(nlh, object);
}

}  // namespace

extern "C" {

// libnftnl's own, declared here without its headers (whose prototypes these
// definitions would have to match exactly).
nftnl_chain* nftnl_chain_alloc();
void nftnl_chain_free(const nftnl_chain*);
nftnl_rule* nftnl_rule_alloc();
void nftnl_rule_free(const nftnl_rule*);
nftnl_set* nftnl_set_alloc();
void nftnl_set_free(const nftnl_set*);

int nftnl_chain_nlmsg_parse(const nlmsghdr* nlh, nftnl_chain* c) {
  static const auto real = next_definition<Parse<nftnl_chain>>("nftnl_chain_nlmsg_parse");
  return guarded<nftnl_chain>(
      real, nftnl_chain_alloc, [](nftnl_chain* p) { nftnl_chain_free(p); }, nlh, c);
}
int nftnl_rule_nlmsg_parse(const nlmsghdr* nlh, nftnl_rule* r) {
  static const auto real = next_definition<Parse<nftnl_rule>>("nftnl_rule_nlmsg_parse");
  return guarded<nftnl_rule>(
      real, nftnl_rule_alloc, [](nftnl_rule* p) { nftnl_rule_free(p); }, nlh, r);
}
int nftnl_set_nlmsg_parse(const nlmsghdr* nlh, nftnl_set* s) {
  static const auto real = next_definition<Parse<nftnl_set>>("nftnl_set_nlmsg_parse");
  return guarded<nftnl_set>(
      real, nftnl_set_alloc, [](nftnl_set* p) { nftnl_set_free(p); }, nlh, s);
}
int nftnl_set_elems_nlmsg_parse(const nlmsghdr* nlh, nftnl_set* s) {
  static const auto real = next_definition<Parse<nftnl_set>>("nftnl_set_elems_nlmsg_parse");
  return guarded<nftnl_set>(
      real, nftnl_set_alloc, [](nftnl_set* p) { nftnl_set_free(p); }, nlh, s);
}

void exit(int status) noexcept {  // noreturn, as <cstdlib> declares it
  if (g_guard != nullptr) {
    siglongjmp(*g_guard, 1);
  }
  using Exit = void (*)(int);
  static const auto real = reinterpret_cast<Exit>(dlsym(RTLD_NEXT, "exit"));
  real(status);
  __builtin_unreachable();
}

}  // extern "C"
