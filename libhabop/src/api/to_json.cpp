// A Habitat back to its wire form, as the API server would store it (absent optional fields omitted).
#include <habop/api/parse.hpp>

namespace habop::api {
namespace bj = boost::json;
namespace {

bj::object string_map(const std::map<std::string, std::string>& m) {
  bj::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

bj::object metadata_json(const object_meta& m) {
  bj::object o;
  o["name"] = m.name;
  if (!m.ns.empty()) o["namespace"] = m.ns;
  if (!m.uid.empty()) o["uid"] = m.uid;
  if (!m.resource_version.empty()) o["resourceVersion"] = m.resource_version;
  if (m.generation != 0) o["generation"] = m.generation;
  if (!m.labels.empty()) o["labels"] = string_map(m.labels);
  if (!m.annotations.empty()) o["annotations"] = string_map(m.annotations);
  if (m.deletion_timestamp) o["deletionTimestamp"] = *m.deletion_timestamp;
  return o;
}

bj::object service_json(const service& s) {
  bj::object o;
  o["name"] = s.name;
  o["topology"] = to_string(s.topology);
  if (s.group) o["group"] = *s.group;
  if (s.channel) o["channel"] = *s.channel;
  if (s.config_secret_name) o["configSecretName"] = *s.config_secret_name;
  if (s.ring_secret_name) o["ringSecretName"] = *s.ring_secret_name;
  if (s.files_secret_name) o["filesSecretName"] = *s.files_secret_name;
  if (!s.binds.empty()) {
    bj::array binds;
    for (const auto& b : s.binds) binds.push_back(bj::object{{"name", b.name}, {"service", b.service}, {"group", b.group}});
    o["bind"] = std::move(binds);
  }
  return o;
}

bj::object spec_json(const spec_v1beta2& s) {
  bj::object o;
  o["count"] = s.count;
  o["image"] = s.image;
  if (!s.env.empty()) o["env"] = s.env;
  if (s.persistent_storage) {
    bj::object ps;
    ps["size"] = s.persistent_storage->size;
    ps["mountPath"] = s.persistent_storage->mount_path;
    // Empty means the cluster default: omitted, because "" would disable dynamic provisioning.
    if (!s.persistent_storage->storage_class_name.empty())
      ps["storageClassName"] = s.persistent_storage->storage_class_name;
    o["persistentStorage"] = std::move(ps);
  }
  o["service"] = service_json(s.service);
  if (s.update_strategy) o["updateStrategy"] = to_string(*s.update_strategy);
  if (!s.node_selector.empty()) o["nodeSelector"] = string_map(s.node_selector);
  if (!s.tolerations.empty()) o["tolerations"] = s.tolerations;
  if (s.affinity) o["affinity"] = *s.affinity;
  if (s.resources) o["resources"] = *s.resources;
  if (s.service_account_name) o["serviceAccountName"] = *s.service_account_name;
  if (s.security_context) o["securityContext"] = *s.security_context;
  if (!s.image_pull_secrets.empty()) {
    bj::array a;
    for (const auto& name : s.image_pull_secrets) a.push_back(bj::object{{"name", name}});
    o["imagePullSecrets"] = std::move(a);
  }
  return o;
}

}  // namespace

bj::object to_json(const habitat& h) {
  bj::object o;
  o["apiVersion"] = api_version;
  o["kind"] = kind;
  o["metadata"] = metadata_json(h.metadata);
  if (h.custom_version) o["customVersion"] = *h.custom_version;
  o["spec"] = bj::object{{"v1beta2", spec_json(h.spec)}};
  if (h.status != habitat_status{}) o["status"] = to_json(h.status);
  return o;
}

}  // namespace habop::api
