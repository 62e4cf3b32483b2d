// events.k8s.io/v1 Events as a view over stored core/v1 Events (one object set, as in KAS).
#include "detail.hpp"

namespace habop::fake {
namespace {
struct field_pair {
  std::string_view core, v1;
};
// The fields both shapes carry, under their core/v1 and events.k8s.io/v1 names (count and series are special).
constexpr field_pair shared_fields[] = {
    {"metadata", "metadata"},
    {"eventTime", "eventTime"},
    {"series", "series"},
    {"reportingComponent", "reportingController"},
    {"reportingInstance", "reportingInstance"},
    {"action", "action"},
    {"reason", "reason"},
    {"involvedObject", "regarding"},
    {"related", "related"},
    {"message", "note"},
    {"type", "type"},
    {"source", "deprecatedSource"},
    {"firstTimestamp", "deprecatedFirstTimestamp"},
    {"lastTimestamp", "deprecatedLastTimestamp"},
};

void move_field(const bj::object& from, std::string_view a, bj::object& to, std::string_view b) {
  if (const bj::value* v = from.if_contains(a)) to[b] = *v;
}
}  // namespace

bj::object event_core_to_v1(const bj::object& core) {
  bj::object v1;
  v1["kind"] = "Event";
  v1["apiVersion"] = "events.k8s.io/v1";
  for (const auto& f : shared_fields) move_field(core, f.core, v1, f.v1);
  if (!v1.contains("eventTime")) v1["eventTime"] = nullptr;
  if (!core.contains("series")) move_field(core, "count", v1, "deprecatedCount");
  return v1;
}

bj::object event_v1_to_core(const bj::object& v1) {
  bj::object core;
  core["kind"] = "Event";
  core["apiVersion"] = "v1";
  for (const auto& f : shared_fields) move_field(v1, f.v1, core, f.core);
  if (const bj::value* c = find_path(v1, {"series", "count"})) core["count"] = *c;
  else move_field(v1, "deprecatedCount", core, "count");
  if (const bj::value* t = find_path(v1, {"series", "lastObservedTime"}); t && !core.contains("lastTimestamp"))
    core["lastTimestamp"] = *t;
  if (!core.contains("source")) {
    if (const bj::value* rc = v1.if_contains("reportingController"); rc && rc->is_string())
      core["source"] = bj::object{{"component", *rc}};
  }
  return core;
}

}  // namespace habop::fake
