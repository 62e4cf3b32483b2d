// Object cache: watch events, relists with deletion detection, the transform, listing and the label index.
#include <habop/operator/object_cache.hpp>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

using namespace habop::op;

namespace {

boost::json::object obj(std::string_view json) { return boost::json::parse(json).as_object(); }

boost::json::object pod(std::string ns, std::string name, std::string rv, std::string habitat = "") {
  boost::json::object meta{{"name", name}, {"namespace", ns}, {"resourceVersion", rv}};
  if (!habitat.empty()) meta["labels"] = boost::json::object{{"habitat-name", habitat}, {"habitat", "true"}};
  return boost::json::object{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(meta)}};
}

std::string name_of(const object_ptr& p) { return std::string(p->at("metadata").at("name").as_string()); }

/// A pod cache, compact or packed: both storages must behave the same.
cache_options pod_cache(bool pack) {
  cache_options o{"Pod"};
  o.pack = pack;
  return o;
}

}  // namespace

TEST_CASE("watch events are folded in and report what changed", "[object_cache]") {
  const bool packed = GENERATE(false, true);
  object_cache c(pod_cache(packed));
  auto added = c.apply(watch_event_type::added, pod("ns", "a", "1"));
  CHECK(added.what == cache_change::kind::added);
  CHECK_FALSE(added.previous);
  REQUIRE(added.current);
  CHECK(c.size() == 1);
  CHECK(c.resource_version() == "1");

  auto modified = c.apply(watch_event_type::modified, pod("ns", "a", "2"));
  CHECK(modified.what == cache_change::kind::updated);
  CHECK(modified.previous->at("metadata").at("resourceVersion") == "1");
  CHECK(modified.current->at("metadata").at("resourceVersion") == "2");
  CHECK(added.current->at("metadata").at("resourceVersion") == "1");  // Old snapshots stay intact.

  auto deleted = c.apply(watch_event_type::deleted, pod("ns", "a", "3"));
  CHECK(deleted.what == cache_change::kind::deleted);
  CHECK(deleted.previous->at("metadata").at("resourceVersion") == "2");
  CHECK(c.size() == 0);
  CHECK(c.resource_version() == "3");

  auto unknown = c.apply(watch_event_type::deleted, pod("ns", "ghost", "4"));
  CHECK(unknown.what == cache_change::kind::deleted);
  CHECK(name_of(unknown.previous) == "ghost");

  auto bookmark = c.apply(watch_event_type::bookmark, obj(R"({"kind":"Pod","metadata":{"resourceVersion":"9"}})"));
  CHECK(bookmark.what == cache_change::kind::none);
  CHECK(c.resource_version() == "9");
  CHECK(c.size() == 0);

  CHECK(c.apply(watch_event_type::added, obj(R"({"metadata":{"resourceVersion":"10"}})")).what ==
        cache_change::kind::none);
}

TEST_CASE("a write's answer is read back until the watch catches up, never over a newer version",
          "[object_cache]") {
  const bool packed = GENERATE(false, true);
  object_cache c(pod_cache(packed));
  c.apply(watch_event_type::added, pod("ns", "a", "5", "h"));
  // A patch based on the cached version: its answer replaces it, without moving the watch position.
  auto mine = c.write_through(pod("ns", "a", "7", "h"), "5");
  CHECK(mine.what == cache_change::kind::updated);
  CHECK(c.get("ns", "a")->at("metadata").at("resourceVersion") == "7");
  CHECK(c.resource_version() == "5");
  // The watch then delivers that same version: nothing changes; its position moves.
  CHECK(c.apply(watch_event_type::modified, pod("ns", "a", "7", "h")).what == cache_change::kind::none);
  CHECK(c.resource_version() == "7");
  // An answer based on a version the cache no longer holds is dropped (the watch knows better).
  c.apply(watch_event_type::modified, pod("ns", "a", "9", "h"));
  CHECK(c.write_through(pod("ns", "a", "8", "h"), "7").what == cache_change::kind::none);
  CHECK(c.get("ns", "a")->at("metadata").at("resourceVersion") == "9");
  // A create's answer is stored only while the object is absent, and indexed.
  CHECK(c.write_through(pod("ns", "a", "10", "h"), "").what == cache_change::kind::none);
  auto created = c.write_through(pod("ns", "b", "11", "h"), "");
  CHECK(created.what == cache_change::kind::added);
  CHECK(c.by_label("ns", "h").size() == 2);
  CHECK(c.write_through(pod("ns", "c", "", "h"), "").what == cache_change::kind::none);   // no version: ignored
}

TEST_CASE("a relist replaces the content and reports vanished objects", "[object_cache]") {
  const bool packed = GENERATE(false, true);
  object_cache c(pod_cache(packed));
  c.apply(watch_event_type::added, pod("ns", "a", "1"));
  c.apply(watch_event_type::added, pod("ns", "b", "2"));
  c.apply(watch_event_type::added, pod("other", "c", "3"));
  auto kept = c.get("ns", "a");

  std::vector<boost::json::object> items{pod("ns", "a", "1"), pod("ns", "b", "7"), pod("ns", "d", "8")};
  auto r = c.replace(std::move(items), "20");
  REQUIRE(r.deleted.size() == 1);
  CHECK(name_of(r.deleted[0]) == "c");
  REQUIRE(r.changed.size() == 2);
  CHECK(name_of(r.changed[0]) == "b");
  CHECK(name_of(r.changed[1]) == "d");
  CHECK(c.size() == 3);
  CHECK(c.resource_version() == "20");
  if (packed) {
    CHECK(*c.get("ns", "a") == *kept);   // Unchanged objects keep their packed bytes; each read is a new tree.
  } else {
    CHECK(c.get("ns", "a") == kept);  // Unchanged objects are shared, not copied.
  }
  CHECK_FALSE(c.get("other", "c"));
}

TEST_CASE("the transform drops managedFields and last-applied, and Secrets keep metadata only", "[object_cache]") {
  auto o = obj(R"({"apiVersion":"v1","kind":"Secret","type":"Opaque",
    "metadata":{"name":"ring","namespace":"ns","resourceVersion":"5",
      "managedFields":[{"manager":"kubectl","fieldsV1":{"f:data":{}}}],
      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"k\":\"c2VjcmV0\"}}"},
      "labels":{"habitat":"true"}},
    "data":{"k":"c2VjcmV0"},"stringData":{"k":"secret"}})");
  auto full = transform_for_cache(o, false);
  CHECK_FALSE(full.at("metadata").as_object().contains("managedFields"));
  CHECK_FALSE(full.at("metadata").as_object().contains("annotations"));  // Left empty, so removed.
  CHECK(full.contains("data"));

  object_cache secrets({"Secret", true, ""});
  secrets.apply(watch_event_type::added, o);
  auto stored = secrets.get("ns", "ring");
  REQUIRE(stored);
  CHECK_FALSE(stored->contains("data"));
  CHECK_FALSE(stored->contains("stringData"));
  CHECK_FALSE(stored->contains("type"));
  CHECK(stored->at("metadata").at("labels").at("habitat") == "true");
  CHECK(stored->at("kind") == "Secret");

  auto other_annotations = obj(R"({"metadata":{"name":"x","annotations":{"a":"b",
    "kubectl.kubernetes.io/last-applied-configuration":"{}"}}})");
  auto t = transform_for_cache(other_annotations, false);
  CHECK(t.at("metadata").at("annotations").as_object().size() == 1);
}

TEST_CASE("get, list by namespace, for_each and cluster-scoped keys", "[object_cache]") {
  const bool packed = GENERATE(false, true);
  object_cache c(pod_cache(packed));
  c.apply(watch_event_type::added, pod("b", "x", "1"));
  c.apply(watch_event_type::added, pod("a", "y", "2"));
  c.apply(watch_event_type::added, pod("a", "x", "3"));
  c.apply(watch_event_type::added, pod("ab", "z", "4"));  // A namespace whose name extends "a".
  c.apply(watch_event_type::added, obj(R"({"kind":"Namespace","metadata":{"name":"a"}})"));
  CHECK(c.get("a", "x"));
  CHECK(c.get("", "a"));
  CHECK_FALSE(c.get("a", "z"));
  auto in_a = c.list("a");
  REQUIRE(in_a.size() == 2);
  CHECK(name_of(in_a[0]) == "x");
  CHECK(name_of(in_a[1]) == "y");
  CHECK(c.list().size() == 5);
  int n = 0;
  c.for_each([&](const object_ptr&) { ++n; });
  CHECK(n == 5);
  CHECK(cache_key(pod("ns", "n", "1")) == "ns/n");
}

TEST_CASE("the habitat-name index follows label changes and deletions", "[object_cache]") {
  const bool packed = GENERATE(false, true);
  object_cache c(pod_cache(packed));
  c.apply(watch_event_type::added, pod("ns", "web-0", "1", "web"));
  c.apply(watch_event_type::added, pod("ns", "web-1", "2", "web"));
  c.apply(watch_event_type::added, pod("other", "web-0", "3", "web"));
  c.apply(watch_event_type::added, pod("ns", "db-0", "4", "db"));
  CHECK(c.by_label("ns", "web").size() == 2);
  CHECK(c.by_label("other", "web").size() == 1);
  c.apply(watch_event_type::modified, pod("ns", "web-1", "5", "db"));
  CHECK(c.by_label("ns", "web").size() == 1);
  CHECK(c.by_label("ns", "db").size() == 2);
  c.apply(watch_event_type::deleted, pod("ns", "web-0", "6", "web"));
  CHECK(c.by_label("ns", "web").empty());
  c.replace({pod("ns", "db-0", "4", "db")}, "7");
  CHECK(c.by_label("ns", "db").size() == 1);
  CHECK(c.by_label("other", "web").empty());
}

TEST_CASE("watch event types", "[object_cache]") {
  CHECK(parse_watch_event_type("ADDED") == watch_event_type::added);
  CHECK(parse_watch_event_type("MODIFIED") == watch_event_type::modified);
  CHECK(parse_watch_event_type("DELETED") == watch_event_type::deleted);
  CHECK(parse_watch_event_type("BOOKMARK") == watch_event_type::bookmark);
  CHECK_FALSE(parse_watch_event_type("ERROR"));
}

TEST_CASE("a field mask keeps metadata and the named paths only", "[object_cache]") {
  auto p = obj(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"ns",
    "labels":{"habitat-name":"web"},"managedFields":[{}]},
    "spec":{"containers":[{"name":"hab","image":"x"}],"nodeName":"n1"},
    "status":{"phase":"Running","podIP":"10.0.0.5","conditions":[{"type":"Ready","status":"True"}],
      "containerStatuses":[{"name":"hab","ready":true}]}})");
  auto projected = project_fields(p, {"status.phase", "status.podIP", "spec.nodeName", "status.missing", "nope.x"});
  CHECK(projected == obj(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"ns",
    "labels":{"habitat-name":"web"},"managedFields":[{}]},
    "status":{"phase":"Running","podIP":"10.0.0.5"},"spec":{"nodeName":"n1"}})"));

  cache_options o{"Pod"};
  o.keep_paths = {"status.phase", "status.conditions"};
  object_cache c(o);
  c.apply(watch_event_type::added, p);
  auto stored = c.get("ns", "web-0");
  REQUIRE(stored);
  CHECK_FALSE(stored->contains("spec"));
  CHECK_FALSE(stored->at("metadata").as_object().contains("managedFields"));
  CHECK(stored->at("status").as_object().size() == 2);
  CHECK(c.by_label("ns", "web").size() == 1);
}

TEST_CASE("a field mask steps into arrays with [] and can narrow metadata", "[object_cache]") {
  auto p = obj(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"ns","uid":"u1",
    "resourceVersion":"7","labels":{"habitat-name":"web"},"annotations":{"big":"xxxxxxxxxxxxxxxxxxxxxxxx"},
    "ownerReferences":[{"kind":"StatefulSet"}]},
    "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"t"},
      "not an object",{"type":"PodScheduled","status":"True","lastProbeTime":null}]}})");
  auto projected = project_fields(p, {"metadata.uid", "metadata.labels", "status.conditions[].type",
                                      "status.conditions[].status", "status.missing[].x", "status.phase[].x"});
  CHECK(projected == obj(R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"web-0","namespace":"ns","resourceVersion":"7","uid":"u1","labels":{"habitat-name":"web"}},
    "status":{"conditions":[{"type":"Ready","status":"True"},null,{"type":"PodScheduled","status":"True"}]}})"));

  // A path under another kept path adds nothing (and must not lose what the wider path moved).
  auto wide = project_fields(p, {"status.conditions[].type", "status", "status.phase"});
  CHECK(wide.at("status") == p.at("status"));
  CHECK(wide.at("metadata") == p.at("metadata"));
  CHECK(project_fields(p, {"status.conditions[]"}).at("status").at("conditions") == p.at("status").at("conditions"));
}

TEST_CASE("metadata-only caches apply the field mask to metadata too, and store compactly", "[object_cache]") {
  cache_options o{"Secret", true, "", {"metadata.name"}};
  object_cache c(o);
  c.apply(watch_event_type::added, obj(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"ring",
    "namespace":"ns","resourceVersion":"3","annotations":{"a":"b"},"labels":{"l":"v"}},"data":{"k":"c2VjcmV0"}})"));
  auto stored = c.get("ns", "ring");
  REQUIRE(stored);
  CHECK(*stored == obj(R"({"apiVersion":"v1","kind":"Secret",
    "metadata":{"name":"ring","namespace":"ns","resourceVersion":"3"}})"));
  CHECK(c.resource_version() == "3");

  cache_options plain{"Pod"};
  plain.compact = false;
  object_cache heap(plain);
  heap.apply(watch_event_type::added, pod("ns", "p", "1", "web"));
  CHECK(*heap.get("ns", "p") == pod("ns", "p", "1", "web"));
}
