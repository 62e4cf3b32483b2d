// client-go-compatible Lease leader election as a pure state machine: observed Lease and `now` in, requests out.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include <habop/core/result.hpp>
#include <habop/core/time.hpp>
#include <habop/http/request.hpp>

namespace habop::op {

/// The lock and its timing; defaults are controller-runtime's (15 s / 10 s / 2 s).
struct leader_election_config {
  std::string ns;                                      ///< Namespace of the Lease.
  std::string name = "habitat-operator";               ///< Lease name (`--leader-election-id`).
  std::string identity;                                ///< `make_identity(hostname, unique id)`.
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
  bool operator==(const leader_election_config&) const = default;
};

/// client-go's validation: lease_duration > renew_deadline > 1.2 × retry_period, all positive, identity and
/// names non-empty. The renew deadline being shorter than the lease is what keeps two leaders from overlapping.
status validate(const leader_election_config& config);

/// `hostname_<unique_id>`, client-go's convention (the runtime supplies a random id).
std::string make_identity(std::string_view hostname, std::string_view unique_id);

/// The `spec` of a Lease, as client-go's LeaderElectionRecord.
struct lease_record {
  std::string holder_identity;
  int lease_duration_seconds = 0;
  std::optional<instant> acquire_time;
  std::optional<instant> renew_time;
  int lease_transitions = 0;
  bool operator==(const lease_record&) const = default;
};

/// What to do after looking at the Lease.
struct lease_decision {
  enum class kind { create, update, wait };
  kind what = kind::wait;
  http::request request;                   ///< POST (create) or PUT with the observed resourceVersion (update).
  std::string holder;                      ///< wait: who holds the lease.
  instant retry_at;                        ///< When to try again (the runtime adds client-go's 1.2 jitter).
};

/// One elector. The runtime loops, every retry period: `fast_renew` if it returns a request (already leader,
/// lease valid), else GET the Lease and call `observe`; it sends the decided request and reports the outcome
/// with `on_written` (2xx, with the returned Lease) or `on_write_failed` (409 Conflict/AlreadyExists: another
/// replica won; other codes: the API is unreachable). It stops reconciling as soon as `is_leader(now)` is false
/// and exits when `lost(now)`, as controller-runtime does. Expiry is judged on the local clock from the time the
/// record was last seen to change, never from `renewTime`, so clock skew between replicas does not matter.
class leader_elector {
 public:
  explicit leader_elector(leader_election_config config);

  /// Decides after a GET: `lease` is the Lease object, nullopt for 404.
  lease_decision observe(const std::optional<boost::json::object>& lease, instant now);
  /// client-go's fast path: while leader and the last observed lease is still valid, a PUT renewing the cached
  /// record without a GET. nullopt: GET and `observe` instead.
  std::optional<http::request> fast_renew(instant now) const;
  /// The write was accepted; `lease` is the server's answer (its resourceVersion is used next time). A written
  /// lease held by someone else (our `release`) ends leadership without counting as lost.
  void on_written(const boost::json::object& lease, instant now);
  /// The write failed with HTTP `code` (0 for a transport error). The leader keeps leading until the renew
  /// deadline passes without a successful renew.
  void on_write_failed(int code, instant now);

  /// True while this replica may act as leader: it acquired or renewed within the renew deadline.
  bool is_leader(instant now) const;
  /// The instant leadership lapses unless renewed (the last acquire/renew plus the renew deadline); nullopt when
  /// not leader. Other threads gate their writes on it: a replica frozen past it (SIGSTOP, a VM pause) must not
  /// write before its election loop notices the loss, since a standby may have taken over meanwhile.
  std::optional<instant> leading_until() const;
  /// True once this replica was leader and failed to renew within the deadline (terminal, like OnStoppedLeading).
  bool lost(instant now) const;
  /// The PUT that gives the lease up on shutdown (empty holder, `leaseDurationSeconds: 1`); nullopt unless leader.
  std::optional<http::request> release(instant now) const;
  /// The last observed holder (empty when unknown or free).
  const std::string& observed_holder() const { return observed_.holder_identity; }
  const leader_election_config& config() const { return config_; }

 private:
  http::request put_request(const lease_record& record) const;
  boost::json::object lease_body(const lease_record& record, const std::string& resource_version) const;

  leader_election_config config_;
  lease_record observed_;
  std::string observed_rv_;
  bool have_observed_ = false;
  instant observed_time_;
  std::optional<instant> last_renew_;            ///< Last successful acquire/renew while leader.
  bool was_leader_ = false;
};

/// Reads a Lease's spec; missing fields take zero values, unparsable times are treated as absent.
lease_record parse_lease_record(const boost::json::object& lease);

}  // namespace habop::op
