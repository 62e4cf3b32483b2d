// The leader-election loop: client-go's acquire/renew cadence over the pure leader_elector state machine.
#include "leader.hpp"

#include <random>

#include <boost/json.hpp>

#include <habop/json/codec.hpp>

#include "wall_clock.hpp"

namespace habop::op {
namespace {

std::optional<boost::json::object> parse_object(const std::string& body) {
  auto v = json::parse_json(body);
  if (!v || !v->is_object()) return std::nullopt;
  return std::move(v->get_object());
}

}  // namespace

leader_loop::leader_loop(client& api, logger log, operator_metrics& metrics, leader_election_config config,
                         leader_callbacks callbacks)
    : api_(api), log_(std::move(log)), metrics_(metrics), elector_(std::move(config)),
      callbacks_(std::move(callbacks)) {}

leader_loop::~leader_loop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void leader_loop::start() {
  metrics_.leader_election_master_status.set({elector_.config().name}, 0);
  thread_ = std::thread([this] { run(); });
}

void leader_loop::step() {
  const instant now = wall_now();
  // A renewal counts from when it was sent, not from when its answer was read: a process frozen (or an answer
  // delayed) in between must not wake up believing it renewed just now, while a standby has taken over.
  auto send = [&](const http::request& req) {
    const instant sent = wall_now();
    auto r = api_.send(req);
    if (r && r->status >= 200 && r->status < 300) {
      if (auto lease = parse_object(r->body)) {
        elector_.on_written(*lease, sent);
        return;
      }
      elector_.on_write_failed(transport_error_code, wall_now());
      return;
    }
    elector_.on_write_failed(r ? r->status : transport_error_code, wall_now());
  };
  if (auto renew = elector_.fast_renew(now)) {
    send(*renew);
    return;
  }
  const auto& cfg = elector_.config();
  auto r = api_.send(http::request{
      "GET", "/apis/coordination.k8s.io/v1/namespaces/" + cfg.ns + "/leases/" + cfg.name, {}, {}, {}});
  std::optional<boost::json::object> lease;
  if (!r || (r->status != 200 && r->status != 404)) {
    elector_.on_write_failed(r ? r->status : transport_error_code, now);
    return;
  }
  if (r->status == 200) {
    lease = parse_object(r->body);
    if (!lease) {
      elector_.on_write_failed(transport_error_code, now);
      return;
    }
  }
  auto decision = elector_.observe(lease, now);
  if (decision.what == lease_decision::kind::wait) return;
  send(decision.request);
}

void leader_loop::run() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(1.0, 1.2);
  const auto& cfg = elector_.config();
  log_.info("attempting to acquire leader lease", {{"lease", cfg.ns + "/" + cfg.name}, {"identity", cfg.identity}});
  std::string last_holder;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (stop_) return;
    }
    step();
    const auto until = elector_.leading_until();
    leading_until_micros_.store(until ? until->unix_micros : 0);
    const instant now = wall_now();
    const bool is_leader = elector_.is_leader(now);
    if (is_leader && !leading_) {
      leading_ = true;
      metrics_.leader_election_master_status.set({cfg.name}, 1);
      log_.info("successfully acquired lease", {{"lease", cfg.ns + "/" + cfg.name}});
      if (callbacks_.on_started_leading) callbacks_.on_started_leading();
    }
    if (elector_.lost(now) || (!is_leader && leading_)) {
      leading_ = false;
      metrics_.leader_election_master_status.set({cfg.name}, 0);
      log_.error("leader election lost", {{"lease", cfg.ns + "/" + cfg.name}});
      if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
      return;
    }
    if (!leading_ && elector_.observed_holder() != last_holder) {
      last_holder = elector_.observed_holder();
      log_.info("lease held by another replica", {{"holder", last_holder}});
    }
    std::unique_lock lock(mutex_);
    const auto period = std::chrono::duration<double, std::milli>(cfg.retry_period.count() * jitter(rng));
    cv_.wait_for(lock, period, [this] { return stop_; });
  }
}

bool leader_loop::may_write() const { return wall_now().unix_micros < leading_until_micros_.load(); }

void leader_loop::stop_and_release() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (auto release = elector_.release(wall_now())) {
    auto r = api_.send(*release);
    if (r && r->status >= 200 && r->status < 300) {
      log_.info("released leader lease", {{"lease", elector_.config().ns + "/" + elector_.config().name}});
    } else {
      log_.warn("failed to release leader lease", {{"code", r ? r->status : 0}});
    }
  }
  leading_ = false;
  leading_until_micros_.store(0);
  metrics_.leader_election_master_status.set({elector_.config().name}, 0);
}

}  // namespace habop::op
