// The resources the fake serves: built-in kinds, and custom resources defined (and validated) by CRDs.
#include "detail.hpp"

namespace habop::fake {
namespace {

resource_type builtin(std::string group, std::string plural, std::string singular, std::string kind,
                      bool namespaced, std::vector<std::string> shorts, printer p) {
  resource_type t;
  t.group = std::move(group);
  t.version = "v1";
  t.plural = std::move(plural);
  t.singular = std::move(singular);
  t.kind = std::move(kind);
  t.namespaced = namespaced;
  t.short_names = std::move(shorts);
  t.print = p;
  t.storage = t.group + "/" + t.plural;
  t.storage_version = t.api_version();
  return t;
}

}  // namespace

std::vector<resource_type> builtin_types() {
  std::vector<resource_type> v;
  auto ns = builtin("", "namespaces", "namespace", "Namespace", false, {"ns"}, printer::ns);
  ns.has_status = true;
  ns.field_labels = {"status.phase"};
  v.push_back(ns);
  auto pod = builtin("", "pods", "pod", "Pod", true, {"po"}, printer::pod);
  pod.has_status = true;
  pod.has_log = true;
  pod.categories = {"all"};
  pod.field_labels = {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                      "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"};
  v.push_back(pod);
  auto svc = builtin("", "services", "service", "Service", true, {"svc"}, printer::service);
  svc.has_status = true;
  svc.categories = {"all"};
  svc.field_labels = {"spec.clusterIP", "spec.type"};
  v.push_back(svc);
  v.push_back(builtin("", "configmaps", "configmap", "ConfigMap", true, {"cm"}, printer::configmap));
  auto secret = builtin("", "secrets", "secret", "Secret", true, {}, printer::secret);
  secret.field_labels = {"type"};
  v.push_back(secret);
  v.push_back(builtin("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"},
                      printer::serviceaccount));
  auto pvc = builtin("", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, {"pvc"},
                     printer::pvc);
  pvc.has_status = true;
  v.push_back(pvc);
  auto pv = builtin("", "persistentvolumes", "persistentvolume", "PersistentVolume", false, {"pv"}, printer::pv);
  pv.has_status = true;
  v.push_back(pv);
  auto node = builtin("", "nodes", "node", "Node", false, {"no"}, printer::node);
  node.has_status = true;
  node.field_labels = {"spec.unschedulable"};
  v.push_back(node);
  auto ev = builtin("", "events", "event", "Event", true, {"ev"}, printer::event);
  ev.field_labels = {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                     "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                     "reason", "reportingComponent", "source", "type"};
  v.push_back(ev);
  auto ev1 = builtin("events.k8s.io", "events", "event", "Event", true, {"ev"}, printer::event);
  ev1.storage = "/events";
  ev1.storage_version = "v1";
  ev1.events_v1 = true;
  ev1.field_labels = {"regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
                      "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath", "reason",
                      "reportingController", "type", "deprecatedSource"};
  v.push_back(ev1);
  auto sts = builtin("apps", "statefulsets", "statefulset", "StatefulSet", true, {"sts"}, printer::statefulset);
  sts.has_status = true;
  sts.has_generation = true;
  sts.has_scale = true;
  sts.categories = {"all"};
  v.push_back(sts);
  auto deploy = builtin("apps", "deployments", "deployment", "Deployment", true, {"deploy"}, printer::deployment);
  deploy.has_status = true;
  deploy.has_generation = true;
  deploy.has_scale = true;
  deploy.categories = {"all"};
  v.push_back(deploy);
  // autoscaling/v1, what `kubectl autoscale` writes (the fake runs no HorizontalPodAutoscaler controller).
  auto hpa = builtin("autoscaling", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler",
                     true, {"hpa"}, printer::hpa);
  hpa.has_status = true;
  hpa.has_generation = true;
  hpa.categories = {"all"};
  v.push_back(hpa);
  // The StatefulSet controller's history (simulated by statefulset_revisions.cpp), read by `kubectl rollout`.
  v.push_back(builtin("apps", "controllerrevisions", "controllerrevision", "ControllerRevision", true, {},
                      printer::controllerrevision));
  v.push_back(builtin("coordination.k8s.io", "leases", "lease", "Lease", true, {}, printer::lease));
  v.push_back(builtin("rbac.authorization.k8s.io", "roles", "role", "Role", true, {}, printer::role));
  v.push_back(builtin("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true, {},
                      printer::binding));
  v.push_back(builtin("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false, {},
                      printer::role));
  v.push_back(builtin("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding",
                      "ClusterRoleBinding", false, {}, printer::binding));
  v.push_back(builtin("storage.k8s.io", "storageclasses", "storageclass", "StorageClass", false, {"sc"},
                      printer::storageclass));
  auto crd = builtin("apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition",
                     "CustomResourceDefinition", false, {"crd", "crds"}, printer::crd);
  crd.has_status = true;
  crd.has_generation = true;
  crd.categories = {"api-extensions"};
  v.push_back(crd);
  return v;
}

bj::object default_storage_class() {
  return bj::object{{"apiVersion", "storage.k8s.io/v1"},
                    {"kind", "StorageClass"},
                    {"metadata", bj::object{{"name", "standard"},
                                            {"annotations", bj::object{{"storageclass.kubernetes.io/is-default-class", "true"}}}}},
                    {"provisioner", "rancher.io/local-path"},
                    {"reclaimPolicy", "Delete"},
                    {"volumeBindingMode", "WaitForFirstConsumer"}};
}

bj::object kubernetes_service() {
  return bj::object{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", bj::object{{"name", "kubernetes"},
                              {"labels", bj::object{{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
      {"spec", bj::object{{"clusterIP", "10.96.0.1"},
                          {"clusterIPs", bj::array{"10.96.0.1"}},
                          {"ports", bj::array{bj::object{{"name", "https"}, {"port", 443}, {"protocol", "TCP"},
                                                         {"targetPort", 6443}}}},
                          {"type", "ClusterIP"}}}};
}

bj::object default_service_account() {
  return bj::object{{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", bj::object{{"name", "default"}}}};
}

bool is_default_storage_class(const bj::object& sc) {
  return string_at(sc, {"metadata", "annotations", "storageclass.kubernetes.io/is-default-class"}) == "true" ||
         string_at(sc, {"metadata", "annotations", "storageclass.beta.kubernetes.io/is-default-class"}) == "true";
}

std::vector<field_cause> validate_crd(bj::object& crd) {
  std::vector<field_cause> c;
  const std::string name = string_at(crd, {"metadata", "name"});
  const std::string group = string_at(crd, {"spec", "group"});
  const std::string plural = string_at(crd, {"spec", "names", "plural"});
  const std::string kind = string_at(crd, {"spec", "names", "kind"});
  const std::string scope = string_at(crd, {"spec", "scope"});
  if (group.empty()) c.push_back({"spec.group", "FieldValueRequired", "Required value"});
  else if (group.find('.') == std::string::npos)
    c.push_back({"spec.group", "FieldValueInvalid", "Invalid value: " + json_quote(group) + ": should be a domain with at least one dot"});
  if (plural.empty()) c.push_back({"spec.names.plural", "FieldValueRequired", "Required value"});
  else if (!check_dns_label(plural).empty())
    c.push_back({"spec.names.plural", "FieldValueInvalid", "Invalid value: " + json_quote(plural) + ": " + check_dns_label(plural)});
  if (kind.empty()) c.push_back({"spec.names.kind", "FieldValueRequired", "Required value"});
  if (name != plural + "." + group)
    c.push_back({"metadata.name", "FieldValueInvalid",
                 "Invalid value: " + json_quote(name) + ": must be spec.names.plural+\".\"+spec.group"});
  if (scope != "Namespaced" && scope != "Cluster")
    c.push_back({"spec.scope", "FieldValueNotSupported", "Unsupported value: " + json_quote(scope) +
                                                             ": supported values: \"Cluster\", \"Namespaced\""});
  const bj::value* versions = find_path(crd, {"spec", "versions"});
  if (!versions || !versions->is_array() || versions->get_array().empty()) {
    c.push_back({"spec.versions", "FieldValueInvalid", "Invalid value: null: must have exactly one version marked as storage version"});
    return c;
  }
  int storage = 0;
  std::size_t i = 0;
  for (const auto& v : versions->get_array()) {
    const std::string base = "spec.versions[" + std::to_string(i++) + "]";
    const bj::object* vo = v.if_object();
    if (!vo) continue;
    if (const bj::value* s = vo->if_contains("storage"); s && s->is_bool() && s->get_bool()) ++storage;
    if (string_at(*vo, {"name"}).empty()) c.push_back({base + ".name", "FieldValueRequired", "Required value"});
    if (const bj::value* sch = find_path(*vo, {"schema", "openAPIV3Schema"}); sch && sch->is_object()) {
      std::vector<field_cause> sc;
      schema_check_structural(sch->get_object(), base + ".schema.openAPIV3Schema", sc);
      if (!sc.empty())
        for (auto& x : sc) {
          x.message += " (must be structural)";
          c.push_back(std::move(x));
        }
    } else {
      c.push_back({base + ".schema.openAPIV3Schema", "FieldValueRequired", "Required value: schemas are required"});
    }
  }
  if (storage != 1)
    c.push_back({"spec.versions", "FieldValueInvalid",
                 "Invalid value: " + serialize(*versions).substr(0, 0) + "[]: must have exactly one version marked as storage version"});
  return c;
}

void fill_crd_status(bj::object& crd, instant now) {
  const bj::object* names = find_path(crd, {"spec", "names"}) ? find_path(crd, {"spec", "names"})->if_object() : nullptr;
  bj::object accepted = names ? *names : bj::object{};
  const std::string kind = string_at(accepted, {"kind"});
  if (string_at(accepted, {"singular"}).empty()) {
    std::string s = kind;
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    accepted["singular"] = s;
  }
  if (string_at(accepted, {"listKind"}).empty()) accepted["listKind"] = kind + "List";
  bj::object* spec_names = object_at(*object_at(crd, "spec"), "names");
  (*spec_names)["singular"] = accepted["singular"];
  (*spec_names)["listKind"] = accepted["listKind"];
  bj::object* status = object_at(crd, "status");
  (*status)["acceptedNames"] = accepted;
  bj::array stored;
  if (const bj::value* sv = status->if_contains("storedVersions"); sv && sv->is_array()) stored = sv->get_array();
  if (const bj::value* versions = find_path(crd, {"spec", "versions"}); versions && versions->is_array())
    for (const auto& v : versions->get_array())
      if (const bj::object* vo = v.if_object())
        if (const bj::value* s = vo->if_contains("storage"); s && s->is_bool() && s->get_bool()) {
          bj::value n = vo->at("name");
          if (std::find(stored.begin(), stored.end(), n) == stored.end()) stored.push_back(n);
        }
  (*status)["storedVersions"] = stored;
  bj::array conds;
  std::string when = to_rfc3339(now);
  if (const bj::value* old = status->if_contains("conditions"); old && old->is_array())
    for (const auto& c : old->get_array())
      if (c.is_object() && string_at(c.get_object(), {"type"}) == "NamesAccepted")
        when = string_at(c.get_object(), {"lastTransitionTime"});
  bj::array keep;
  if (const bj::value* old = status->if_contains("conditions"); old && old->is_array())
    for (const auto& c : old->get_array())
      if (c.is_object() && string_at(c.get_object(), {"type"}) == "Terminating") keep.push_back(c);
  conds.push_back(bj::object{{"type", "NamesAccepted"}, {"status", "True"}, {"lastTransitionTime", when},
                             {"reason", "NoConflicts"}, {"message", "no conflicts found"}});
  conds.push_back(bj::object{{"type", "Established"}, {"status", "True"}, {"lastTransitionTime", when},
                             {"reason", "InitialNamesAccepted"}, {"message", "the initial names have been accepted"}});
  for (auto& k : keep) conds.push_back(k);
  (*status)["conditions"] = std::move(conds);
}

std::vector<resource_type> crd_types(const bj::object& crd) {
  std::vector<resource_type> out;
  const std::string group = string_at(crd, {"spec", "group"});
  const bj::value* versions = find_path(crd, {"spec", "versions"});
  if (!versions || !versions->is_array()) return out;
  std::string storage_version;
  for (const auto& v : versions->get_array())
    if (const bj::object* vo = v.if_object())
      if (const bj::value* s = vo->if_contains("storage"); s && s->is_bool() && s->get_bool())
        storage_version = group + "/" + string_at(*vo, {"name"});
  for (const auto& v : versions->get_array()) {
    const bj::object* vo = v.if_object();
    if (!vo) continue;
    if (const bj::value* s = vo->if_contains("served"); s && s->is_bool() && !s->get_bool()) continue;
    resource_type t;
    t.group = group;
    t.version = string_at(*vo, {"name"});
    t.plural = string_at(crd, {"spec", "names", "plural"});
    t.singular = string_at(crd, {"spec", "names", "singular"});
    t.kind = string_at(crd, {"spec", "names", "kind"});
    if (t.singular.empty())
      for (char ch : t.kind) t.singular += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    t.namespaced = string_at(crd, {"spec", "scope"}) != "Cluster";
    if (const bj::value* sn = find_path(crd, {"spec", "names", "shortNames"}); sn && sn->is_array())
      for (const auto& s : sn->get_array())
        if (s.is_string()) t.short_names.emplace_back(s.get_string());
    if (const bj::value* cs = find_path(crd, {"spec", "names", "categories"}); cs && cs->is_array())
      for (const auto& s : cs->get_array())
        if (s.is_string()) t.categories.emplace_back(s.get_string());
    t.has_status = find_path(*vo, {"subresources", "status"}) != nullptr;
    if (const bj::value* sc = find_path(*vo, {"subresources", "scale"}); sc && sc->is_object()) {
      t.has_scale = true;
      t.scale_spec_path = string_at(sc->get_object(), {"specReplicasPath"});
      t.scale_status_path = string_at(sc->get_object(), {"statusReplicasPath"});
      t.scale_selector_path = string_at(sc->get_object(), {"labelSelectorPath"});
    }
    t.builtin = false;
    t.has_generation = true;
    t.storage = group + "/" + t.plural;
    t.storage_version = storage_version.empty() ? t.api_version() : storage_version;
    t.print = printer::custom;
    if (const bj::value* sch = find_path(*vo, {"schema", "openAPIV3Schema"}); sch && sch->is_object())
      t.schema = std::make_shared<const bj::object>(sch->get_object());
    if (const bj::value* pc = vo->if_contains("additionalPrinterColumns"); pc && pc->is_array())
      t.printer_columns = pc->get_array();
    if (const bj::value* sf = vo->if_contains("selectableFields"); sf && sf->is_array())
      for (const auto& f : sf->get_array())
        if (f.is_object()) {
          std::string p = string_at(f.get_object(), {"jsonPath"});
          if (!p.empty() && p[0] == '.') p.erase(0, 1);
          t.field_labels.push_back(p);
        }
    t.crd_name = string_at(crd, {"metadata", "name"});
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace habop::fake
