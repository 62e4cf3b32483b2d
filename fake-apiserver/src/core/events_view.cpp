// events.k8s.io/v1 Events as a view over stored core/v1 Events (one object set, as in KAS).
#include "detail.hpp"

namespace habop::fake {
namespace {
void move_field(const bj::object& from, std::string_view a, bj::object& to, std::string_view b) {
  if (const bj::value* v = from.if_contains(a)) to[b] = *v;
}
}  // namespace

bj::object event_core_to_v1(const bj::object& core) {
  bj::object v1;
  v1["kind"] = "Event";
  v1["apiVersion"] = "events.k8s.io/v1";
  move_field(core, "metadata", v1, "metadata");
  move_field(core, "eventTime", v1, "eventTime");
  if (!v1.contains("eventTime")) v1["eventTime"] = nullptr;
  move_field(core, "series", v1, "series");
  move_field(core, "reportingComponent", v1, "reportingController");
  move_field(core, "reportingInstance", v1, "reportingInstance");
  move_field(core, "action", v1, "action");
  move_field(core, "reason", v1, "reason");
  move_field(core, "involvedObject", v1, "regarding");
  move_field(core, "related", v1, "related");
  move_field(core, "message", v1, "note");
  move_field(core, "type", v1, "type");
  move_field(core, "source", v1, "deprecatedSource");
  move_field(core, "firstTimestamp", v1, "deprecatedFirstTimestamp");
  move_field(core, "lastTimestamp", v1, "deprecatedLastTimestamp");
  if (!core.contains("series")) move_field(core, "count", v1, "deprecatedCount");
  return v1;
}

bj::object event_v1_to_core(const bj::object& v1) {
  bj::object core;
  core["kind"] = "Event";
  core["apiVersion"] = "v1";
  move_field(v1, "metadata", core, "metadata");
  move_field(v1, "regarding", core, "involvedObject");
  move_field(v1, "reason", core, "reason");
  move_field(v1, "note", core, "message");
  move_field(v1, "deprecatedSource", core, "source");
  move_field(v1, "deprecatedFirstTimestamp", core, "firstTimestamp");
  move_field(v1, "deprecatedLastTimestamp", core, "lastTimestamp");
  move_field(v1, "type", core, "type");
  move_field(v1, "eventTime", core, "eventTime");
  move_field(v1, "series", core, "series");
  move_field(v1, "action", core, "action");
  move_field(v1, "related", core, "related");
  move_field(v1, "reportingController", core, "reportingComponent");
  move_field(v1, "reportingInstance", core, "reportingInstance");
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
