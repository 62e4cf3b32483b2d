// meta.k8s.io Table rendering: built-in printers, CRD additionalPrinterColumns with simple JSONPath, human ages.
#include "detail.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace habop::fake {
namespace {

bj::object column(std::string name, std::string type, std::string format = "", int priority = 0,
                  std::string description = "") {
  return bj::object{{"name", std::move(name)}, {"type", std::move(type)}, {"format", std::move(format)},
                    {"description", std::move(description)}, {"priority", priority}};
}

std::string age(const bj::object& o, instant now, std::initializer_list<std::string_view> path) {
  auto t = parse_rfc3339(string_at(o, path));
  if (!t) return "<unknown>";
  return human_duration((now.unix_micros - t->unix_micros) / 1'000'000);
}

std::int64_t count_keys(const bj::object& o, std::string_view a, std::string_view b = {}) {
  std::int64_t n = 0;
  for (auto k : {a, b})
    if (!k.empty())
      if (const bj::value* v = find_path(o, {k}); v && v->is_object()) n += static_cast<std::int64_t>(v->get_object().size());
  return n;
}

std::int64_t int_of(const bj::object& o, std::initializer_list<std::string_view> p) {
  const bj::value* v = find_path(o, p);
  return v && v->is_int64() ? v->get_int64() : 0;
}

// Minimal JSONPath: .a.b, .a[0], .a[*].b, .a[?(@.k=="v")].b
std::vector<const bj::value*> eval_path(const bj::value& root, std::string_view path) {
  std::vector<const bj::value*> cur{&root};
  if (!path.empty() && path.front() == '{' && path.back() == '}') path = path.substr(1, path.size() - 2);
  std::size_t i = 0;
  while (i < path.size() && !cur.empty()) {
    std::vector<const bj::value*> next;
    if (path[i] == '.') {
      ++i;
      std::string key;
      while (i < path.size() && path[i] != '.' && path[i] != '[') {
        if (path[i] == '\\' && i + 1 < path.size()) ++i;
        key += path[i++];
      }
      if (key.empty()) continue;
      for (const auto* v : cur)
        if (const auto* o = v->if_object())
          if (const bj::value* x = o->if_contains(key)) next.push_back(x);
    } else if (path[i] == '[') {
      auto close = path.find(']', i);
      if (close == std::string_view::npos) return {};
      std::string_view inner = path.substr(i + 1, close - i - 1);
      i = close + 1;
      for (const auto* v : cur) {
        const auto* a = v->if_array();
        if (!a) continue;
        if (inner == "*") {
          for (const auto& e : *a) next.push_back(&e);
        } else if (inner.rfind("?(@.", 0) == 0) {
          auto eq = inner.find("==");
          if (eq == std::string_view::npos) continue;
          std::string field(inner.substr(4, eq - 4));
          std::string_view want = inner.substr(eq + 2);
          if (!want.empty() && want.back() == ')') want.remove_suffix(1);
          if (want.size() >= 2 && (want.front() == '"' || want.front() == '\'')) want = want.substr(1, want.size() - 2);
          for (const auto& e : *a)
            if (const auto* eo = e.if_object())
              if (const bj::value* fv = eo->if_contains(field)) {
                std::string s = fv->is_string() ? std::string(fv->get_string()) : serialize(*fv);
                if (s == want) next.push_back(&e);
              }
        } else {
          std::size_t idx = 0;
          bool ok = !inner.empty();
          for (char ch : inner) ok = ok && ch >= '0' && ch <= '9', idx = idx * 10 + static_cast<std::size_t>(ch - '0');
          if (ok && idx < a->size()) next.push_back(&(*a)[idx]);
        }
      }
    } else {
      return {};
    }
    cur = std::move(next);
  }
  return cur;
}

bj::value custom_cell(const bj::object& obj, const bj::object& col, instant now) {
  const std::string type = string_at(col, {"type"});
  bj::value root(obj);
  auto vals = eval_path(root, string_at(col, {"jsonPath"}));
  if (vals.empty() || vals[0]->is_null()) return type == "string" || type == "date" ? bj::value("") : bj::value(nullptr);
  const bj::value& v = *vals[0];
  if (type == "date") {
    auto t = v.is_string() ? parse_rfc3339(v.get_string()) : std::nullopt;
    return t ? bj::value(human_duration((now.unix_micros - t->unix_micros) / 1'000'000)) : bj::value("<invalid>");
  }
  if (type == "string") {
    std::string out;
    for (const auto* x : vals) out += (out.empty() ? "" : " ") + (x->is_string() ? std::string(x->get_string()) : serialize(*x));
    return bj::value(out);
  }
  return v;
}

std::string or_none(std::string s) { return s.empty() ? "<none>" : s; }
std::string or_unset(std::string s) { return s.empty() ? "<unset>" : s; }
std::string or_unknown(std::string s) { return s.empty() ? "<unknown>" : s; }

}  // namespace

bj::object make_table(const resource_type& t, const std::vector<const bj::object*>& objs, instant now,
                      const table_options& opts, std::string_view list_rv, std::string_view cont) {
  bj::array cols;
  cols.push_back(column("Name", "string", "name", 0, "Name must be unique within a namespace."));
  using row_fn = std::function<void(const bj::object&, bj::array&)>;
  row_fn cells;
  auto age_col = [&] { cols.push_back(column("Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created.")); };
  auto created = [now](const bj::object& o, bj::array& c) { c.emplace_back(age(o, now, {"metadata", "creationTimestamp"})); };
  switch (t.print) {
    case printer::configmap:
      cols.push_back(column("Data", "integer")); age_col();
      cells = [&](const bj::object& o, bj::array& c) { c.emplace_back(count_keys(o, "data", "binaryData")); created(o, c); };
      break;
    case printer::secret:
      cols.push_back(column("Type", "string")); cols.push_back(column("Data", "integer")); age_col();
      cells = [&](const bj::object& o, bj::array& c) { c.emplace_back(string_at(o, {"type"})); c.emplace_back(count_keys(o, "data")); created(o, c); };
      break;
    case printer::ns:
      cols.push_back(column("Status", "string")); age_col();
      cells = [&](const bj::object& o, bj::array& c) { c.emplace_back(string_at(o, {"status", "phase"})); created(o, c); };
      break;
    case printer::pod:
      cols.push_back(column("Ready", "string")); cols.push_back(column("Status", "string"));
      cols.push_back(column("Restarts", "string")); age_col();
      cols.push_back(column("IP", "string", "", 1)); cols.push_back(column("Node", "string", "", 1));
      cols.push_back(column("Nominated Node", "string", "", 1)); cols.push_back(column("Readiness Gates", "string", "", 1));
      cells = [&](const bj::object& o, bj::array& c) {
        c.emplace_back(pod_ready(o)); c.emplace_back(pod_status_reason(o)); c.emplace_back(pod_restarts(o)); created(o, c);
        c.emplace_back(or_none(string_at(o, {"status", "podIP"}))); c.emplace_back(or_none(string_at(o, {"spec", "nodeName"})));
        c.emplace_back(or_none(string_at(o, {"status", "nominatedNodeName"}))); c.emplace_back(readiness_gates(o));
      };
      break;
    case printer::service:
      cols.push_back(column("Type", "string")); cols.push_back(column("Cluster-IP", "string"));
      cols.push_back(column("External-IP", "string")); cols.push_back(column("Port(s)", "string")); age_col();
      cols.push_back(column("Selector", "string", "", 1));
      cells = [&](const bj::object& o, bj::array& c) {
        std::string ports;
        if (const bj::value* ps = find_path(o, {"spec", "ports"}); ps && ps->is_array())
          for (const auto& p : ps->get_array())
            if (p.is_object())
              ports += (ports.empty() ? "" : ",") + std::to_string(int_of(p.get_object(), {"port"})) + "/" +
                       (string_at(p.get_object(), {"protocol"}).empty() ? "TCP" : string_at(p.get_object(), {"protocol"}));
        std::string sel;
        if (const bj::value* s = find_path(o, {"spec", "selector"}); s && s->is_object())
          for (const auto& [k, v] : s->get_object())
            sel += (sel.empty() ? "" : ",") + std::string(k) + "=" + (v.is_string() ? std::string(v.get_string()) : "");
        c.emplace_back(string_at(o, {"spec", "type"})); c.emplace_back(or_none(string_at(o, {"spec", "clusterIP"})));
        c.emplace_back("<none>"); c.emplace_back(or_none(ports)); created(o, c); c.emplace_back(or_none(sel));
      };
      break;
    case printer::statefulset:
      cols.push_back(column("Ready", "string")); age_col();
      cols.push_back(column("Containers", "string", "", 1)); cols.push_back(column("Images", "string", "", 1));
      cells = [&](const bj::object& o, bj::array& c) {
        c.emplace_back(std::to_string(int_of(o, {"status", "readyReplicas"})) + "/" + std::to_string(int_of(o, {"spec", "replicas"})));
        created(o, c);
        template_containers(o, c);
      };
      break;
    case printer::deployment:
      cols.push_back(column("Ready", "string")); cols.push_back(column("Up-to-date", "integer"));
      cols.push_back(column("Available", "integer")); age_col();
      cols.push_back(column("Containers", "string", "", 1)); cols.push_back(column("Images", "string", "", 1));
      cols.push_back(column("Selector", "string", "", 1));
      cells = [&](const bj::object& o, bj::array& c) {
        c.emplace_back(std::to_string(int_of(o, {"status", "readyReplicas"})) + "/" + std::to_string(int_of(o, {"spec", "replicas"})));
        c.emplace_back(int_of(o, {"status", "updatedReplicas"})); c.emplace_back(int_of(o, {"status", "availableReplicas"}));
        created(o, c);
        template_containers(o, c);
        c.emplace_back(label_selector_text(o));
      };
      break;
    case printer::event:
      cols.clear();
      cols.push_back(column("Last Seen", "string")); cols.push_back(column("Type", "string"));
      cols.push_back(column("Reason", "string")); cols.push_back(column("Object", "string"));
      cols.push_back(column("Subobject", "string", "", 1)); cols.push_back(column("Source", "string", "", 1));
      cols.push_back(column("Message", "string"));
      for (auto wide : {"First Seen", "Count", "Name"}) cols.push_back(column(wide, "string", "", 1));
      cells = [&](const bj::object& o, bj::array& c) {
        const bool v1 = o.contains("regarding") || string_at(o, {"apiVersion"}) == "events.k8s.io/v1";
        const char* about = v1 ? "regarding" : "involvedObject";
        std::string last = age(o, now, {v1 ? "deprecatedLastTimestamp" : "lastTimestamp"});
        if (last == "<unknown>") last = age(o, now, {"eventTime"});
        if (last == "<unknown>") last = age(o, now, {"metadata", "creationTimestamp"});
        std::string first = age(o, now, {v1 ? "deprecatedFirstTimestamp" : "firstTimestamp"});
        if (first == "<unknown>") first = age(o, now, {"eventTime"});
        std::int64_t count = int_of(o, {v1 ? "deprecatedCount" : "count"});
        if (find_path(o, {"series"})) {
          last = age(o, now, {"series", "lastObservedTime"});
          count = int_of(o, {"series", "count"});
        } else if (count == 0) {
          count = 1;   // singleton events of events.k8s.io have no count
        }
        std::string kind = string_at(o, {about, "kind"});
        for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const std::string target = string_at(o, {about, "name"});
        // formatEventSource: the component (else reportingController), then ", host" (else the instance).
        std::string component = string_at(o, {v1 ? "deprecatedSource" : "source", "component"});
        if (component.empty()) component = string_at(o, {"reportingController"});
        if (component.empty()) component = string_at(o, {"reportingComponent"});
        std::string host = string_at(o, {v1 ? "deprecatedSource" : "source", "host"});
        if (host.empty()) host = string_at(o, {"reportingInstance"});
        c.emplace_back(last); c.emplace_back(string_at(o, {"type"})); c.emplace_back(string_at(o, {"reason"}));
        c.emplace_back(target.empty() ? kind : kind + "/" + target); c.emplace_back(string_at(o, {about, "fieldPath"}));
        c.emplace_back(host.empty() ? component : component + ", " + host);
        c.emplace_back(string_at(o, {v1 ? "note" : "message"}));
        c.emplace_back(first); c.emplace_back(count); c.emplace_back(string_at(o, {"metadata", "name"}));
      };
      break;
    case printer::storageclass:
      cols.push_back(column("Provisioner", "string")); cols.push_back(column("ReclaimPolicy", "string"));
      cols.push_back(column("VolumeBindingMode", "string")); cols.push_back(column("AllowVolumeExpansion", "string"));
      age_col();
      cells = [&](const bj::object& o, bj::array& c) {
        const bj::value* expand = find_path(o, {"allowVolumeExpansion"});
        c.emplace_back(string_at(o, {"provisioner"})); c.emplace_back(string_at(o, {"reclaimPolicy"}));
        c.emplace_back(string_at(o, {"volumeBindingMode"})); c.emplace_back(expand && expand->is_bool() && expand->get_bool());
        created(o, c);
      };
      break;
    case printer::controllerrevision:
      // KAS's printControllerRevision: the controller as `<kind>.<group>/<name>` (lower-cased group kind).
      cols.push_back(column("Controller", "string")); cols.push_back(column("Revision", "integer")); age_col();
      cells = [&](const bj::object& o, bj::array& c) {
        std::string controller = "<none>";
        if (const bj::value* refs = find_path(o, {"metadata", "ownerReferences"}); refs && refs->is_array())
          for (const auto& r : refs->get_array()) {
            const bj::object* ro = r.if_object();
            if (!ro || !ro->if_contains("controller") || ro->at("controller") != true) continue;
            const std::string api = string_at(*ro, {"apiVersion"});
            const auto slash = api.find('/');
            std::string kind = string_at(*ro, {"kind"});
            if (slash != std::string::npos) kind += "." + api.substr(0, slash);
            for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            controller = kind + "/" + string_at(*ro, {"name"});
          }
        c.emplace_back(controller); c.emplace_back(int_of(o, {"revision"})); created(o, c);
      };
      break;
    case printer::pvc:
      // printPersistentVolumeClaim of KAS 1.29+: capacity and access modes only once bound to a volume.
      cols.push_back(column("Status", "string")); cols.push_back(column("Volume", "string"));
      cols.push_back(column("Capacity", "string")); cols.push_back(column("Access Modes", "string"));
      cols.push_back(column("StorageClass", "string")); cols.push_back(column("VolumeAttributesClass", "string"));
      age_col(); cols.push_back(column("VolumeMode", "string", "", 1));
      cells = [&](const bj::object& o, bj::array& c) {
        std::string phase = string_at(o, {"status", "phase"});
        if (find_path(o, {"metadata", "deletionTimestamp"})) phase = "Terminating";
        const std::string volume = string_at(o, {"spec", "volumeName"});
        c.emplace_back(phase); c.emplace_back(volume);
        c.emplace_back(volume.empty() ? "" : string_at(o, {"status", "capacity", "storage"}));
        c.emplace_back(volume.empty() ? "" : access_modes(o, {"status", "accessModes"}));
        c.emplace_back(storage_class_of(o)); c.emplace_back(or_unset(string_at(o, {"spec", "volumeAttributesClassName"})));
        created(o, c);
        c.emplace_back(or_unset(string_at(o, {"spec", "volumeMode"})));
      };
      break;
    case printer::pv:
      // printPersistentVolume of KAS 1.29+ (the same class columns as claims); the claim as namespace/name.
      cols.push_back(column("Capacity", "string")); cols.push_back(column("Access Modes", "string"));
      cols.push_back(column("Reclaim Policy", "string")); cols.push_back(column("Status", "string"));
      cols.push_back(column("Claim", "string")); cols.push_back(column("StorageClass", "string"));
      cols.push_back(column("VolumeAttributesClass", "string")); cols.push_back(column("Reason", "string"));
      age_col(); cols.push_back(column("VolumeMode", "string", "", 1));
      cells = [&](const bj::object& o, bj::array& c) {
        std::string phase = string_at(o, {"status", "phase"});
        if (find_path(o, {"metadata", "deletionTimestamp"})) phase = "Terminating";
        std::string claim;
        if (const bj::value* ref = find_path(o, {"spec", "claimRef"}); ref && ref->is_object())
          claim = string_at(ref->get_object(), {"namespace"}) + "/" + string_at(ref->get_object(), {"name"});
        const std::string capacity = string_at(o, {"spec", "capacity", "storage"});
        c.emplace_back(capacity.empty() ? "0" : capacity); c.emplace_back(access_modes(o, {"spec", "accessModes"}));
        c.emplace_back(string_at(o, {"spec", "persistentVolumeReclaimPolicy"})); c.emplace_back(phase);
        c.emplace_back(claim); c.emplace_back(storage_class_of(o));
        c.emplace_back(or_unset(string_at(o, {"spec", "volumeAttributesClassName"})));
        c.emplace_back(string_at(o, {"status", "reason"})); created(o, c);
        c.emplace_back(or_unset(string_at(o, {"spec", "volumeMode"})));
      };
      break;
    case printer::node:
      cols.push_back(column("Status", "string")); cols.push_back(column("Roles", "string")); age_col();
      cols.push_back(column("Version", "string"));
      for (auto wide : {"Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"})
        cols.push_back(column(wide, "string", "", 1));
      cells = [&](const bj::object& o, bj::array& c) {
        c.emplace_back(node_status(o)); c.emplace_back(node_roles(o)); created(o, c);
        c.emplace_back(string_at(o, {"status", "nodeInfo", "kubeletVersion"}));
        c.emplace_back(node_address(o, "InternalIP")); c.emplace_back(node_address(o, "ExternalIP"));
        c.emplace_back(or_unknown(string_at(o, {"status", "nodeInfo", "osImage"})));
        c.emplace_back(or_unknown(string_at(o, {"status", "nodeInfo", "kernelVersion"})));
        c.emplace_back(or_unknown(string_at(o, {"status", "nodeInfo", "containerRuntimeVersion"})));
      };
      break;
    case printer::hpa:   // KAS's printHorizontalPodAutoscaler over autoscaling/v1's one CPU target
      for (auto name : {"Reference", "Targets", "MinPods"}) cols.push_back(column(name, "string"));
      cols.push_back(column("MaxPods", "integer")); cols.push_back(column("Replicas", "integer")); age_col();
      cells = [&](const bj::object& o, bj::array& c) {
        const bj::value* target = find_path(o, {"spec", "targetCPUUtilizationPercentage"});
        const bj::value* current = find_path(o, {"status", "currentCPUUtilizationPercentage"});
        const bj::value* min = find_path(o, {"spec", "minReplicas"});
        c.emplace_back(string_at(o, {"spec", "scaleTargetRef", "kind"}) + "/" +
                       string_at(o, {"spec", "scaleTargetRef", "name"}));
        c.emplace_back(!target || !target->is_int64() ? "<none>"
                       : "cpu: " + (current && current->is_int64() ? std::to_string(current->get_int64()) + "%"
                                                                   : std::string("<unknown>")) +
                             "/" + std::to_string(target->get_int64()) + "%");
        c.emplace_back(min && min->is_int64() ? std::to_string(min->get_int64()) : "<unset>");
        c.emplace_back(int_of(o, {"spec", "maxReplicas"})); c.emplace_back(int_of(o, {"status", "currentReplicas"}));
        created(o, c);
      };
      break;
    case printer::lease:
      cols.push_back(column("Holder", "string")); age_col();
      cells = [&](const bj::object& o, bj::array& c) { c.emplace_back(string_at(o, {"spec", "holderIdentity"})); created(o, c); };
      break;
    case printer::role:
    case printer::crd:
      cols.push_back(column("Created At", "date"));
      cells = [&](const bj::object& o, bj::array& c) { c.emplace_back(string_at(o, {"metadata", "creationTimestamp"})); };
      break;
    case printer::custom:
      if (t.printer_columns.empty()) {
        age_col();
        cells = created;
      } else {
        for (const auto& pc : t.printer_columns)
          if (const auto* po = pc.if_object()) {
            const bj::value* pr = po->if_contains("priority");
            cols.push_back(column(string_at(*po, {"name"}), string_at(*po, {"type"}) == "date" ? "date" : string_at(*po, {"type"}),
                                  string_at(*po, {"format"}), pr && pr->is_int64() ? static_cast<int>(pr->get_int64()) : 0,
                                  string_at(*po, {"description"}).empty()
                                      ? "Custom resource definition column (in JSONPath format): " + string_at(*po, {"jsonPath"})
                                      : string_at(*po, {"description"})));
          }
        cells = [&](const bj::object& o, bj::array& c) {
          for (const auto& pc : t.printer_columns)
            if (const auto* po = pc.if_object()) c.push_back(custom_cell(o, *po, now));
        };
      }
      break;
    case printer::binding:   // printRoleBinding / printClusterRoleBinding
      cols.push_back(column("Role", "string")); age_col();
      for (auto wide : {"Users", "Groups", "ServiceAccounts"}) cols.push_back(column(wide, "string", "", 1));
      cells = [&](const bj::object& o, bj::array& c) {
        c.emplace_back(string_at(o, {"roleRef", "kind"}) + "/" + string_at(o, {"roleRef", "name"})); created(o, c);
        for (auto kind : {"User", "Group", "ServiceAccount"}) c.emplace_back(binding_subjects(o, kind));
      };
      break;
    case printer::serviceaccount:
      cols.push_back(column("Secrets", "integer")); age_col();
      cells = [&](const bj::object& o, bj::array& c) {
        const bj::value* secrets = o.if_contains("secrets");
        c.emplace_back(secrets && secrets->is_array() ? secrets->get_array().size() : 0); created(o, c);
      };
      break;
    case printer::generic:
      age_col();
      cells = created;
      break;
  }
  bj::array rows;
  for (const bj::object* o : objs) {
    bj::array c;
    std::string name = string_at(*o, {"metadata", "name"});
    if (t.print == printer::storageclass && is_default_storage_class(*o)) name += " (default)";
    if (t.print != printer::event) c.emplace_back(std::move(name));
    cells(*o, c);
    bj::object row{{"cells", std::move(c)}};
    if (opts.include_object == "Object") {
      row["object"] = *o;
    } else if (opts.include_object != "None") {
      row["object"] = partial_metadata(*o, "v1");
    }
    rows.push_back(std::move(row));
  }
  bj::object meta{{"resourceVersion", list_rv}};
  if (!cont.empty()) meta["continue"] = cont;
  bj::object table{{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", std::move(meta)}};
  if (opts.headers) table["columnDefinitions"] = std::move(cols);
  table["rows"] = std::move(rows);
  return table;
}

}  // namespace habop::fake
