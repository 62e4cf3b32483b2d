// JSON merge patch (RFC 7386): objects merge recursively, null deletes, everything else replaces.
#include "detail.hpp"

namespace habop::fake {

bj::value merge_patch_apply(const bj::value& target, const bj::value& patch) {
  if (!patch.is_object()) return patch;
  bj::value result = target.is_object() ? target : bj::value(bj::object{});
  bj::object& out = result.get_object();
  for (const auto& [k, v] : patch.get_object()) {
    if (v.is_null()) {
      out.erase(k);
    } else {
      auto it = out.find(k);
      out[k] = merge_patch_apply(it == out.end() ? bj::value(nullptr) : it->value(), v);
    }
  }
  return result;
}

}  // namespace habop::fake
