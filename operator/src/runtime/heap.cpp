// malloc_trim, rate-limited: cheap enough after a burst, pointless in a tight loop.
#include "heap.hpp"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace habop::op {

void trim_heap_when_idle() {
  static std::atomic<std::int64_t> last_ms{0};
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_ms.load();
  if (now - last < 1000 || !last_ms.compare_exchange_strong(last, now)) return;
  ::malloc_trim(0);
}

}  // namespace habop::op
