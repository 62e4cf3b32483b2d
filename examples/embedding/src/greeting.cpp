// The Greeting controller: parse, render, diff and status, reusing habop's codec, merge-patch and condition helpers.
#include <greeting/greeting.hpp>

#include <boost/json/array.hpp>

#include <habop/api/parse.hpp>
#include <habop/json/codec.hpp>
#include <habop/reconcile/conditions.hpp>
#include <habop/reconcile/merge_patch.hpp>

namespace greeting {
namespace {

namespace bj = boost::json;

std::string string_at(const bj::object* o, std::string_view key) {
  if (o == nullptr) return {};
  const bj::value* v = o->if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

const bj::object* object_at(const bj::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  const bj::value* v = o->if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

std::string collection_path(const std::string& ns, const char* plural, bool core) {
  return std::string(core ? "/api/v1" : "/apis/example.com/v1") + "/namespaces/" + ns + "/" + plural;
}

habop::http::request json_request(std::string method, std::string path, const bj::object& body,
                                  const char* content_type) {
  habop::http::request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = {{"fieldManager", "greeting-controller"}};
  r.headers = {{"Content-Type", content_type}};
  r.body = habop::json::to_json(body);
  return r;
}

bj::array conditions_json(const std::vector<habop::api::condition>& conditions) {
  bj::array out;
  for (const auto& c : conditions) {
    out.push_back(bj::object{{"type", c.type},
                             {"status", c.status},
                             {"observedGeneration", c.observed_generation},
                             {"lastTransitionTime", c.last_transition_time},
                             {"reason", c.reason},
                             {"message", c.message}});
  }
  return out;
}

}  // namespace

bj::object greeting_crd() {
  auto parsed = habop::json::parse_yaml_documents(R"(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: greetings.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Greeting, listKind: GreetingList, plural: greetings, singular: greeting}
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                name: {type: string}
                salutation: {type: string}
            status:
              type: object
              x-kubernetes-preserve-unknown-fields: true
)");
  return parsed ? parsed->front().as_object() : bj::object{};
}

habop::result<greeting_spec> parse_spec(const bj::object& greeting) {
  const bj::object* spec = object_at(&greeting, "spec");
  greeting_spec out;
  std::vector<habop::field_cause> causes;
  out.name = string_at(spec, "name");
  if (out.name.empty()) causes.push_back({"spec.name", "FieldValueRequired", "Required value"});
  if (const std::string s = string_at(spec, "salutation"); !s.empty()) out.salutation = s;
  if (!causes.empty()) {
    return habop::error{422, "Invalid",
                        "Greeting \"" + string_at(object_at(&greeting, "metadata"), "name") + "\" is invalid",
                        std::move(causes)};
  }
  return out;
}

bj::object render_config_map(const bj::object& greeting, const greeting_spec& spec) {
  const bj::object* meta = object_at(&greeting, "metadata");
  const std::string name = string_at(meta, "name");
  return bj::object{
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       bj::object{{"name", name + "-greeting"},
                  {"namespace", string_at(meta, "namespace")},
                  {"labels", bj::object{{"example.com/greeting", name}}},
                  {"ownerReferences", bj::array{bj::object{{"apiVersion", api_version},
                                                           {"kind", "Greeting"},
                                                           {"name", name},
                                                           {"uid", string_at(meta, "uid")},
                                                           {"controller", true},
                                                           {"blockOwnerDeletion", true}}}}}},
      {"data", bj::object{{"message", spec.salutation + ", " + spec.name + "!"}}}};
}

std::vector<habop::http::request> reconcile(const bj::object& greeting, const std::optional<bj::object>& config_map,
                                            habop::instant now) {
  std::vector<habop::http::request> out;
  const bj::object* meta = object_at(&greeting, "metadata");
  const std::string ns = string_at(meta, "namespace");
  const std::string name = string_at(meta, "name");
  const bj::value* generation = meta != nullptr ? meta->if_contains("generation") : nullptr;

  habop::api::condition ready{"Ready", "True", generation && generation->is_int64() ? generation->get_int64() : 0,
                              "", "Published", ""};
  auto spec = parse_spec(greeting);
  if (!spec) {
    ready.status = "False";
    ready.reason = "InvalidSpec";
    ready.message = habop::describe(spec.error());
  } else {
    bj::object desired = render_config_map(greeting, *spec);
    ready.message = "ConfigMap " + name + "-greeting holds the greeting";
    if (!config_map) {
      out.push_back(json_request("POST", collection_path(ns, "configmaps", true), desired, "application/json"));
    } else if (auto diff = habop::reconcile::diff_owned(desired, *config_map); !diff.patch.empty()) {
      // Guarded by resourceVersion: a concurrent writer makes this a 409 and the next round sees its change.
      bj::value& patch_meta = diff.patch["metadata"];
      if (!patch_meta.is_object()) patch_meta.emplace_object();
      patch_meta.get_object()["resourceVersion"] = string_at(object_at(&*config_map, "metadata"), "resourceVersion");
      out.push_back(json_request("PATCH", collection_path(ns, "configmaps", true) + "/" + name + "-greeting",
                                 diff.patch, "application/merge-patch+json"));
    }
  }

  // Status: habop's lenient status reader and condition bookkeeping (lastTransitionTime moves only on change).
  std::vector<habop::api::condition> conditions;
  if (const bj::value* status = greeting.if_contains("status")) {
    if (auto parsed = habop::api::parse_status(*status)) conditions = parsed->conditions;
  }
  if (habop::reconcile::set_condition(conditions, ready, now)) {
    out.push_back(json_request("PATCH", collection_path(ns, "greetings", false) + "/" + name + "/status",
                               bj::object{{"status", bj::object{{"conditions", conditions_json(conditions)}}}},
                               "application/merge-patch+json"));
  }
  return out;
}

}  // namespace greeting
