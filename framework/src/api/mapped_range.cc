#include "framework/src/api/mapped_range.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

namespace minimr {
namespace {

// The ranges mapped now, where a signal handler can look them up without locks. A range is
// published by setting `begin` last and withdrawn by clearing it first.
struct Slot {
  std::atomic<bool> taken{false};
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> cut{false};
};
constexpr int kSlots = 64;
Slot g_slots[kSlots];

uintptr_t g_page_size = 4096;
struct sigaction g_replaced;  // the SIGBUS handler before ours
std::once_flag g_install_once;

void OnBusError(int signal, siginfo_t* info, void* context) {
  if (RecoverMappedRangeFault(info->si_addr)) return;
  if (g_replaced.sa_flags & SA_SIGINFO) {
    g_replaced.sa_sigaction(signal, info, context);
  } else if (g_replaced.sa_handler != SIG_DFL && g_replaced.sa_handler != SIG_IGN) {
    g_replaced.sa_handler(signal);
  } else {
    // The fault repeats on return, and this time ends the process as it would have.
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    ::sigaction(SIGBUS, &action, nullptr);
  }
}

void InstallHandler() {
  g_page_size = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  struct sigaction action {};
  action.sa_sigaction = OnBusError;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGBUS, &action, &g_replaced);
}

int TakeSlot() {
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_slots[i].taken.compare_exchange_strong(expected, true)) return i;
  }
  return -1;
}

}  // namespace

std::unique_ptr<MappedRange> MappedRange::Map(const std::string& path, uint64_t offset,
                                              size_t length) {
  std::call_once(g_install_once, InstallHandler);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  const bool whole = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                     static_cast<uint64_t>(st.st_size) >= offset + length;
  const uint64_t start = offset / g_page_size * g_page_size;
  const size_t mapping_length = static_cast<size_t>(offset - start) + length;
  void* mapping = whole ? ::mmap(nullptr, mapping_length, PROT_READ, MAP_PRIVATE, fd,
                                 static_cast<off_t>(start))
                        : MAP_FAILED;
  ::close(fd);  // the mapping keeps the file
  if (mapping == MAP_FAILED) return nullptr;
  const int slot = TakeSlot();
  if (slot < 0) {
    ::munmap(mapping, mapping_length);
    return nullptr;
  }
  Slot& s = g_slots[slot];
  s.cut.store(false);
  s.end.store(reinterpret_cast<uintptr_t>(mapping) + mapping_length);
  s.begin.store(reinterpret_cast<uintptr_t>(mapping));
  const char* data = static_cast<const char*>(mapping) + (offset - start);
  return std::unique_ptr<MappedRange>(
      new MappedRange(mapping, mapping_length, data, length, slot));
}

MappedRange::~MappedRange() {
  Slot& s = g_slots[slot_];
  s.begin.store(0);
  s.end.store(0);
  ::munmap(mapping_, mapping_length_);
  s.taken.store(false);
}

bool MappedRange::cut() const { return g_slots[slot_].cut.load(); }

bool RecoverMappedRangeFault(const void* address) {
  const auto at = reinterpret_cast<uintptr_t>(address);
  for (Slot& s : g_slots) {
    const uintptr_t begin = s.begin.load();
    const uintptr_t end = s.end.load();
    if (begin == 0 || at < begin || at >= end) continue;
    // Zeros from the faulting page to the range's end: the pages after it are past the file's
    // end too.
    const uintptr_t page = at / g_page_size * g_page_size;
    void* zeros = ::mmap(reinterpret_cast<void*>(page), end - page, PROT_READ,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (zeros == MAP_FAILED) return false;
    s.cut.store(true);
    return true;
  }
  return false;
}

}  // namespace minimr
