// An in-memory API store for convergence tests: objects by kind/namespace/name, resourceVersions, 409 on a stale
// precondition, merge patches, and a small simulation of the StatefulSet controller and kubelet.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <boost/json/object.hpp>

#include <habop/reconcile/reconcile.hpp>

namespace habop::test {

/// What applying a plan did.
struct applied {
  std::vector<int> codes;                  ///< One HTTP-like code per operation: 201, 200, 404, 409.
  std::vector<reconcile::event> events;
  bool status_written = false;
};

class store {
 public:
  using key = std::tuple<std::string, std::string, std::string>;   ///< plural, namespace, name

  /// Adds or replaces an object as a user would (kubectl apply), bumping its resourceVersion and, on a spec change,
  /// its generation.
  void put(const std::string& plural, boost::json::object obj);
  /// A user's merge patch of an object (no precondition). Returns false when absent.
  bool edit(const std::string& plural, const std::string& ns, const std::string& name, const boost::json::value& patch);
  void add_secret(const std::string& ns, const std::string& name) { secrets_[ns].insert(name); }
  /// From now on, every write of a StatefulSet or Service fills in kube-apiserver's defaults (server_defaults.hpp),
  /// so that objects read back are what a real cluster returns rather than exactly what was written.
  void default_like_kube_apiserver(bool on = true) { server_defaults_ = on; }
  void remove(const std::string& plural, const std::string& ns, const std::string& name) {
    objects_.erase({plural, ns, name});
  }

  const boost::json::object* get(const std::string& plural, const std::string& ns, const std::string& name) const;
  std::vector<const boost::json::object*> list(const std::string& plural, const std::string& ns) const;

  /// What the shell would observe for Habitat `name`.
  reconcile::snapshot observe(const std::string& ns, const std::string& name) const;

  /// Applies every operation, the status and records the events, as the shell would.
  applied apply(const reconcile::plan& p, const reconcile::object_ref& habitat);

  /// One pass of the StatefulSet controller and the kubelet: status.observedGeneration/updateRevision, pods created
  /// up to `replicas` at the update revision (Running and Ready at once), RollingUpdate replaces stale pods, OnDelete
  /// leaves them, extra pods go.
  void simulate();

  /// Every event recorded so far.
  const std::vector<reconcile::event>& events() const { return events_; }

 private:
  int create(const reconcile::object_ref& ref, boost::json::object body);
  int patch(const reconcile::object_ref& ref, const boost::json::object& body);
  /// The one strategic merge patch habop sends: owner references added, or removed with `$patch: delete`, by uid.
  int patch_owner_references(const reconcile::object_ref& ref, const boost::json::object& body);
  int remove_checked(const reconcile::delete_object& d);
  std::string next_rv() { return std::to_string(++rv_); }

  std::map<key, boost::json::object> objects_;
  std::map<std::string, std::set<std::string>> secrets_;
  std::vector<reconcile::event> events_;
  std::uint64_t rv_ = 100;
  int next_ip_ = 1;
  bool server_defaults_ = false;
};

/// Reconciles every Habitat of `ns` and applies the plans (with `simulate` between rounds) until a whole round plans
/// nothing. Returns the number of rounds that planned something, or -1 when `max_rounds` were not enough.
int converge(store& s, const std::string& ns, int max_rounds = 10, instant now = instant::from_seconds(1'700'000'000));

/// The plan for one Habitat in the store's current state.
reconcile::plan plan_for(const store& s, const std::string& ns, const std::string& name,
                         instant now = instant::from_seconds(1'700'000'000));

}  // namespace habop::test
