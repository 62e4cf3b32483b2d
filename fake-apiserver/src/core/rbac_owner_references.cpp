// kube-apiserver's OwnerReferencesPermissionEnforcement admission plugin, as extra authorization requests of a write.
#include <habop/fake_apiserver/rbac.hpp>

#include <habop/json/codec.hpp>

#include "detail.hpp"

namespace habop::fake {
namespace {

// metadata.ownerReferences of `o`; nullopt when the field is absent (a patch that leaves the references alone).
std::optional<bj::array> owner_references(const bj::object& o) {
  const bj::value* refs = find_path(o, {"metadata", "ownerReferences"});
  if (refs == nullptr) return std::nullopt;
  return refs->is_array() ? refs->get_array() : bj::array{};
}

bool blocking(const bj::value& ref) {
  const bj::value* b = ref.is_object() ? ref.get_object().if_contains("blockOwnerDeletion") : nullptr;
  return b != nullptr && b->is_bool() && b->get_bool();
}

std::string_view member(const bj::value& ref, std::string_view key) {
  const bj::value* v = ref.is_object() ? ref.get_object().if_contains(key) : nullptr;
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// newBlockingOwnerDeletionRefs: blocking references whose uid was not already blocking in the old object.
std::vector<const bj::value*> new_blocking(const bj::array& now, const bj::array& before) {
  std::vector<const bj::value*> out;
  for (const bj::value& ref : now) {
    if (!blocking(ref)) continue;
    bool was_blocking = false;
    for (const bj::value& old : before) {
      if (member(old, "uid") == member(ref, "uid")) was_blocking = blocking(old);
    }
    if (!was_blocking) out.push_back(&ref);
  }
  return out;
}

// The served resources of the reference's group and kind (any version), as the plugin's RESTMapper finds them.
std::vector<const resource_type*> owner_types(const object_store& store, const bj::value& ref) {
  const std::string_view api_version = member(ref, "apiVersion");
  const std::size_t slash = api_version.find('/');
  const std::string_view group = slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
  const std::string_view kind = member(ref, "kind");
  std::vector<const resource_type*> out;
  for (const auto& [key, type] : store.internals().types) {
    if (type.group == group && type.kind == kind && !type.events_v1) {
      bool seen = false;
      for (const resource_type* t : out) seen = seen || t->plural == type.plural;
      if (!seen) out.push_back(&type);
    }
  }
  return out;
}

}  // namespace

std::vector<request_attributes> owner_reference_checks(const request_attributes& a, std::string_view body,
                                                       const object_store& store) {
  std::vector<request_attributes> checks;
  const bool write = a.verb == "create" || a.verb == "update" || a.verb == "patch";
  if (!a.resource_request || !write || !a.subresource.empty()) return checks;
  auto parsed = habop::json::parse_json(body);
  if (!parsed || !parsed->is_object()) return checks;
  const std::optional<bj::array> now = owner_references(parsed->get_object());
  if (a.verb == "patch" && !now) return checks;

  std::optional<bj::array> before;
  if (a.verb != "create" && !a.name.empty()) {
    if (auto stored = store.get({a.api_group, a.api_version, a.resource}, a.ns, a.name)) {
      before = owner_references(*stored).value_or(bj::array{});
    }
  }
  const bj::array& new_refs = now ? *now : bj::array{};
  // isChangingOwnerReference: only an existing object's references need `delete` on the object to change.
  if (before && *before != new_refs) {
    request_attributes del = a;
    del.verb = "delete";
    checks.push_back(std::move(del));
  }
  for (const bj::value* ref : new_blocking(new_refs, before.value_or(bj::array{}))) {
    for (const resource_type* t : owner_types(store, *ref)) {
      request_attributes fin;
      fin.user = a.user;
      fin.groups = a.groups;
      fin.verb = "update";
      fin.api_group = t->group;
      fin.api_version = t->version;
      fin.resource = t->plural;
      fin.subresource = "finalizers";
      fin.ns = t->namespaced ? a.ns : std::string();
      fin.name = std::string(member(*ref, "name"));
      fin.path = "/" + std::string(t->group.empty() ? "api" : "apis/" + t->group) + "/" + t->version +
                 (fin.ns.empty() ? "" : "/namespaces/" + fin.ns) + "/" + t->plural + "/" + fin.name + "/finalizers";
      checks.push_back(std::move(fin));
    }
  }
  return checks;
}

std::string owner_reference_forbidden_message(const request_attributes& write, const request_attributes& check) {
  const std::string qualified = write.api_group.empty() ? write.resource : write.resource + "." + write.api_group;
  const std::string object = write.name.empty() ? qualified : qualified + " \"" + write.name + "\"";
  const std::string why = check.subresource == "finalizers"
                              ? "cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't "
                                "set finalizers on: "
                              : "cannot set an ownerRef on a resource you can't delete: ";
  // The plugin appends the authorizer's reason and error (empty and <nil> for an RBAC denial); the fake says which
  // permission was missing instead, in the wording of forbidden_message.
  const std::string missing = forbidden_message(check);
  const std::size_t user = missing.find("User \"");
  return object + " is forbidden: " + why + (user == std::string::npos ? missing : missing.substr(user));
}

}  // namespace habop::fake
