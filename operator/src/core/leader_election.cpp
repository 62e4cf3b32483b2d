// client-go's tryAcquireOrRenew as a state machine; expiry judged from when the record was last seen to change.
#include <habop/operator/leader_election.hpp>

#include <boost/json/serialize.hpp>

namespace habop::op {
namespace {

instant plus(instant t, std::chrono::microseconds d) { return instant{t.unix_micros + d.count()}; }

std::string_view string_at(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string_view(it->value().get_string()) : std::string_view{};
}

int int_at(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return 0;
  if (it->value().is_int64()) return static_cast<int>(it->value().get_int64());
  if (it->value().is_uint64()) return static_cast<int>(it->value().get_uint64());
  return 0;
}

std::string leases_path(const std::string& ns) { return "/apis/coordination.k8s.io/v1/namespaces/" + ns + "/leases"; }

}  // namespace

status validate(const leader_election_config& c) {
  error e;
  e.code = 400;
  e.reason = "BadRequest";
  e.message = "invalid leader election configuration";
  auto cause = [&](std::string field, std::string msg) {
    e.causes.push_back(field_cause{std::move(field), "FieldValueInvalid", std::move(msg)});
  };
  if (c.ns.empty()) cause("namespace", "must not be empty");
  if (c.name.empty()) cause("name", "must not be empty");
  if (c.identity.empty()) cause("identity", "must not be empty");
  if (c.retry_period.count() <= 0) cause("retryPeriod", "must be positive");
  if (c.lease_duration <= c.renew_deadline) cause("leaseDuration", "must be greater than the renew deadline");
  if (static_cast<double>(c.renew_deadline.count()) <= 1.2 * static_cast<double>(c.retry_period.count())) {
    cause("renewDeadline", "must be greater than 1.2 × the retry period");
  }
  if (!e.causes.empty()) return e;
  return ok;
}

std::string make_identity(std::string_view hostname, std::string_view unique_id) {
  std::string id(hostname);
  id += '_';
  id += unique_id;
  return id;
}

lease_record parse_lease_record(const boost::json::object& lease) {
  lease_record r;
  auto it = lease.find("spec");
  if (it == lease.end() || !it->value().is_object()) return r;
  const auto& spec = it->value().get_object();
  r.holder_identity = std::string(string_at(spec, "holderIdentity"));
  r.lease_duration_seconds = int_at(spec, "leaseDurationSeconds");
  r.acquire_time = parse_rfc3339(string_at(spec, "acquireTime"));
  r.renew_time = parse_rfc3339(string_at(spec, "renewTime"));
  r.lease_transitions = int_at(spec, "leaseTransitions");
  return r;
}

leader_elector::leader_elector(leader_election_config config) : config_(std::move(config)) {}

boost::json::object leader_elector::lease_body(const lease_record& r, const std::string& resource_version) const {
  boost::json::object meta;
  meta["name"] = config_.name;
  meta["namespace"] = config_.ns;
  if (!resource_version.empty()) meta["resourceVersion"] = resource_version;
  boost::json::object spec;
  spec["holderIdentity"] = r.holder_identity;
  spec["leaseDurationSeconds"] = r.lease_duration_seconds;
  if (r.acquire_time) spec["acquireTime"] = to_rfc3339_micro(*r.acquire_time);
  if (r.renew_time) spec["renewTime"] = to_rfc3339_micro(*r.renew_time);
  spec["leaseTransitions"] = r.lease_transitions;
  boost::json::object body;
  body["apiVersion"] = "coordination.k8s.io/v1";
  body["kind"] = "Lease";
  body["metadata"] = std::move(meta);
  body["spec"] = std::move(spec);
  return body;
}

http::request leader_elector::put_request(const lease_record& record) const {
  http::request req;
  req.method = "PUT";
  req.path = leases_path(config_.ns) + "/" + config_.name;
  req.headers.emplace_back("Content-Type", "application/json");
  // The observed resourceVersion makes the PUT conditional: a replica that lost a race gets 409.
  req.body = boost::json::serialize(lease_body(record, observed_rv_));
  return req;
}

lease_decision leader_elector::observe(const std::optional<boost::json::object>& lease, instant now) {
  lease_decision d;
  int duration_s = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count());
  if (!lease) {
    lease_record r{config_.identity, duration_s, now, now, 0};
    d.what = lease_decision::kind::create;
    d.request.method = "POST";
    d.request.path = leases_path(config_.ns);
    d.request.headers.emplace_back("Content-Type", "application/json");
    d.request.body = boost::json::serialize(lease_body(r, ""));
    d.retry_at = plus(now, config_.retry_period);
    have_observed_ = false;
    return d;
  }
  lease_record rec = parse_lease_record(*lease);
  if (!have_observed_ || rec != observed_) {
    observed_ = rec;
    observed_time_ = now;  // Local clock: a record seen unchanged for a whole lease duration has expired.
    have_observed_ = true;
  }
  observed_rv_.clear();
  if (auto m = lease->find("metadata"); m != lease->end() && m->value().is_object()) {
    observed_rv_ = std::string(string_at(m->value().get_object(), "resourceVersion"));
  }
  d.retry_at = plus(now, config_.retry_period);
  bool held_by_other = !rec.holder_identity.empty() && rec.holder_identity != config_.identity;
  instant expires = plus(observed_time_, std::chrono::seconds(rec.lease_duration_seconds));
  if (held_by_other && expires > now) {
    d.what = lease_decision::kind::wait;
    d.holder = rec.holder_identity;
    last_renew_.reset();  // Someone else holds a valid lease: never act as leader alongside them.
    return d;
  }
  lease_record next = rec;
  if (rec.holder_identity != config_.identity) {
    next.lease_transitions = rec.lease_transitions + 1;
    next.acquire_time = now;
  }
  next.holder_identity = config_.identity;
  next.renew_time = now;
  next.lease_duration_seconds = duration_s;
  d.what = lease_decision::kind::update;
  d.request = put_request(next);
  return d;
}

std::optional<http::request> leader_elector::fast_renew(instant now) const {
  if (!is_leader(now) || !have_observed_ || observed_.holder_identity != config_.identity) return std::nullopt;
  if (plus(observed_time_, std::chrono::seconds(observed_.lease_duration_seconds)) <= now) return std::nullopt;
  lease_record next = observed_;
  next.renew_time = now;
  next.lease_duration_seconds =
      static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count());
  return put_request(next);
}

void leader_elector::on_written(const boost::json::object& lease, instant now) {
  observed_ = parse_lease_record(lease);
  observed_time_ = now;
  have_observed_ = true;
  observed_rv_.clear();
  if (auto m = lease.find("metadata"); m != lease.end() && m->value().is_object()) {
    observed_rv_ = std::string(string_at(m->value().get_object(), "resourceVersion"));
  }
  if (observed_.holder_identity == config_.identity) {
    last_renew_ = now;
    was_leader_ = true;
  } else {
    // We wrote a lease naming someone else (or no one): a release, not a loss.
    last_renew_.reset();
    was_leader_ = false;
  }
}

void leader_elector::on_write_failed(int, instant) {
  // Nothing to undo: leadership lapses by itself when the renew deadline passes without a successful write, and
  // the next GET refreshes the observed record and resourceVersion after a 409.
}

std::optional<instant> leader_elector::leading_until() const {
  if (!last_renew_) return std::nullopt;
  return plus(*last_renew_, config_.renew_deadline);
}

bool leader_elector::is_leader(instant now) const {
  const auto until = leading_until();
  return until && now < *until;
}

bool leader_elector::lost(instant now) const { return was_leader_ && !is_leader(now); }

std::optional<http::request> leader_elector::release(instant now) const {
  if (!is_leader(now)) return std::nullopt;
  lease_record r{"", 1, now, now, observed_.lease_transitions};
  return put_request(r);
}

}  // namespace habop::op
