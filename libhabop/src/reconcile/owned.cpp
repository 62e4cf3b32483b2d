// Ownership classification and owned-field projections of rendered objects.
#include <habop/reconcile/owned.hpp>


#include <habop/api/habitat.hpp>
#include <habop/json/detail/find.hpp>
#include <habop/reconcile/detail/json_access.hpp>
#include <habop/reconcile/merge_patch.hpp>
#include <habop/render/names.hpp>

namespace habop::reconcile {
using habop::json::detail::find_member;
namespace bj = boost::json;
using detail::member_array;
using detail::member_object;
using detail::member_string;

namespace {

bool is_controller(const bj::object& ref) {
  const bj::value* c = find_member(ref, "controller");
  return c && c->is_bool() && c->get_bool();
}

bj::array* member_array_mut(bj::object& o, std::string_view key) {
  bj::value* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

bj::object& member_object_or_create(bj::object& o, std::string_view key) {
  bj::value& v = o[key];
  if (!v.is_object()) v = bj::object{};
  return v.get_object();
}

// Owns `want` whole against `have`: a key only the observed object has becomes a "must be absent" null, at every
// level where both sides are objects. Only for values the API server does not default inside.
void own_whole(bj::object& want, const bj::object* have) {
  if (!have) return;
  for (const auto& kv : *have) {
    bj::value* w = want.if_contains(kv.key());
    if (!w) want[kv.key()] = nullptr;
    else if (w->is_object() && kv.value().is_object()) own_whole(w->get_object(), &kv.value().get_object());
  }
}

// The observed `resources` of the container `name` of an observed pod spec.
const bj::object* container_resources(const bj::object* pod, std::string_view name) {
  if (const bj::array* containers = member_array(pod, "containers"))
    for (const auto& c : *containers)
      if (c.is_object() && member_string(&c.get_object(), "name") == name)
        return member_object(&c.get_object(), "resources");
  return nullptr;
}

// The verbatim ResourceRequirements, owned as far as the API server leaves them alone: `limits` whole, and the
// `requests` keys only the observed object has, except those it defaults from a limit of the same resource (a
// marker there would be undone on every write).
void own_resources(bj::object& want, const bj::object* have) {
  const bj::object* have_limits = member_object(have, "limits");
  if (bj::value* limits = want.if_contains("limits"); limits && limits->is_object()) own_whole(limits->get_object(), have_limits);
  else if (have_limits) want["limits"] = nullptr;
  const bj::object* want_limits = member_object(&want, "limits");
  if (const bj::object* have_requests = member_object(have, "requests")) {
    for (const auto& kv : *have_requests) {
      if (want_limits && want_limits->contains(kv.key())) continue;
      bj::value& requests = want["requests"];
      if (!requests.is_object()) requests = bj::object{};
      if (!requests.get_object().contains(kv.key())) requests.get_object()[kv.key()] = nullptr;
    }
  }
}

}  // namespace

ownership ownership_of(const bj::object& observed, std::string_view habitat_uid, std::string_view habitat_name) {
  const bj::array* refs = member_array(member_object(&observed, "metadata"), "ownerReferences");
  if (!refs) return ownership::adoptable;
  for (const auto& r : *refs)
    if (r.is_object() && !habitat_uid.empty() && member_string(&r.get_object(), "uid") == habitat_uid)
      return ownership::ours;
  const bj::object* controller = controller_reference(observed);
  if (!controller) return ownership::adoptable;
  // Names are unique per namespace and a reference names its owner in the dependent's namespace: a Habitat of this
  // name with another uid no longer exists.
  return is_habitat_reference(*controller) && member_string(controller, "name") == habitat_name
             ? ownership::previous
             : ownership::foreign;
}

const bj::object* controller_reference(const bj::object& observed) {
  if (const bj::array* refs = member_array(member_object(&observed, "metadata"), "ownerReferences"))
    for (const auto& r : *refs)
      if (r.is_object() && is_controller(r.get_object())) return &r.get_object();
  return nullptr;
}

std::string controller_of(const bj::object& observed) {
  const bj::object* ref = controller_reference(observed);
  return ref ? std::string(member_string(ref, "kind")) + "/" + std::string(member_string(ref, "name")) : "";
}

bj::array merge_owner_references(const bj::object* observed_metadata, const bj::object& our_ref) {
  const std::string_view uid = member_string(&our_ref, "uid");
  bj::array out;
  bool placed = false;
  if (const bj::array* refs = member_array(observed_metadata, "ownerReferences")) {
    for (const auto& r : *refs) {
      if (r.is_object() && member_string(&r.get_object(), "uid") == uid) {
        if (!placed) out.push_back(our_ref);
        placed = true;
      } else {
        out.push_back(r);
      }
    }
  }
  if (!placed) out.push_back(our_ref);
  return out;
}

bool is_habitat_reference(const bj::object& ref) {
  const std::string_view api_version = member_string(&ref, "apiVersion");
  return member_string(&ref, "kind") == api::kind && api_version.starts_with(api::group) &&
         api_version.substr(std::string_view(api::group).size()).starts_with('/');
}

bj::array merge_shared_owner_references(const bj::object* observed_metadata, bj::array habitat_refs) {
  bj::array out = std::move(habitat_refs);
  if (const bj::array* refs = member_array(observed_metadata, "ownerReferences")) {
    for (const auto& r : *refs) {
      if (r.is_object() && !is_habitat_reference(r.get_object())) out.push_back(r);
    }
  }
  return out;
}

std::vector<std::string> take_immutable_fields(bj::object& rendered_sts, const bj::object& observed) {
  std::vector<std::string> changed;
  bj::object& spec = member_object_or_create(rendered_sts, "spec");
  const bj::object* observed_spec = member_object(&observed, "spec");
  for (const char* field : stateful_set_immutable_fields) {
    const bj::value* want = find_member(spec, field);
    const bj::value* have = observed_spec ? find_member(*observed_spec, field) : nullptr;
    const bj::value absent;
    if (!satisfies(have ? *have : absent, want ? *want : absent)) changed.push_back(std::string("spec.") + field);
    spec.erase(field);
  }
  return changed;
}

void own_stateful_set(bj::object& sts, const bj::object* observed) {
  bj::object& spec = member_object_or_create(sts, "spec");
  bj::object& strategy = member_object_or_create(spec, "updateStrategy");
  // The API server rejects `rollingUpdate` with OnDelete, and a merge patch of `type` alone would keep it.
  if (member_string(&strategy, "type") == "OnDelete") strategy["rollingUpdate"] = nullptr;
  bj::object& pod = member_object_or_create(member_object_or_create(spec, "template"), "spec");
  // Optional fields habop renders only when the Habitat sets them: absent in the rendering means habop wants them
  // gone (they were habop's when it set them). `serviceAccount` is the deprecated twin the API server fills from
  // `serviceAccountName`; leaving it would bring the old name back.
  for (const char* field : {"initContainers", "serviceAccountName", "securityContext", "imagePullSecrets",
                            "nodeSelector", "affinity", "tolerations"})
    if (!pod.contains(field)) pod[field] = nullptr;
  if (pod["serviceAccountName"].is_null()) pod["serviceAccount"] = nullptr;
  // The verbatim ones are owned whole: a nodeSelector key or a securityContext field the Habitat no longer has goes
  // too (satisfies() would accept the observed superset, and the pods would keep it for ever).
  const bj::object* have_pod = detail::path_object(observed, {"spec", "template", "spec"});
  for (const char* field : {"nodeSelector", "securityContext", "affinity"})
    if (pod[field].is_object()) own_whole(pod[field].get_object(), member_object(have_pod, field));
  // Likewise in the Supervisor's container: a Habitat that drops its `env` or `resources` drops them from the pods
  // (satisfies() lets an observed object have more than the rendering, so without the marker they would stay).
  if (bj::array* containers = member_array_mut(pod, "containers")) {
    for (auto& c : *containers) {
      if (!c.is_object() || member_string(&c.get_object(), "name") != render::container_name) continue;
      for (const char* field : {"env", "resources"})
        if (!c.get_object().contains(field)) c.get_object()[field] = nullptr;
      if (c.get_object()["resources"].is_object())
        own_resources(c.get_object()["resources"].get_object(), container_resources(have_pod, render::container_name));
    }
  }
}

std::string own_service(bj::object& svc, const bj::object* observed) {
  bj::object& spec = member_object_or_create(svc, "spec");
  std::string cluster_ip;
  if (const bj::value* ip = find_member(spec, "clusterIP"); ip && ip->is_string()) cluster_ip = ip->get_string();
  spec.erase("clusterIP");
  // A selector key someone added would silently narrow the Service: habop owns the selector whole.
  if (const bj::object* have = member_object(member_object(observed, "spec"), "selector"))
    own_whole(member_object_or_create(spec, "selector"), have);
  return cluster_ip;
}

void set_owner_references(bj::object& projection, bj::array refs) {
  member_object_or_create(projection, "metadata")["ownerReferences"] = std::move(refs);
}

std::string_view rendered_hash_of(const bj::object& observed) {
  return member_string(member_object(member_object(&observed, "metadata"), "annotations"), annotation_rendered_hash);
}

}  // namespace habop::reconcile
