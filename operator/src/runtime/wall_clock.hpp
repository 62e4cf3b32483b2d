// The system clock as a habop::instant: the one place the operator shell reads wall time for libhabop.
#pragma once

#include <chrono>

#include <habop/core/time.hpp>

namespace habop::op {

/// Now, as microseconds since the Unix epoch.
inline instant wall_now() {
  return instant{std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count()};
}

}  // namespace habop::op
