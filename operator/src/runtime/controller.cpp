// The Habitat controller: which cache change enqueues which Habitat, and the workers that reconcile and apply plans.
#include <habop/operator/controller.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include <habop/http/to_request.hpp>
#include <habop/json/codec.hpp>
#include <habop/operator/cache_shapes.hpp>
#include <habop/operator/object_cache.hpp>
#include <habop/reconcile/fingerprint.hpp>
#include <habop/reconcile/peers.hpp>
#include <habop/reconcile/reconcile.hpp>

#include "event_sender.hpp"
#include "heap.hpp"
#include "plan_writer.hpp"
#include "reflector.hpp"
#include "wall_clock.hpp"

namespace habop::op {
namespace {

const label_values controller_label{"habitat"};

std::string meta_string(const boost::json::object& o, std::string_view field) {
  return std::string(metadata_string(o, field));
}

/// After a 409 the key is reconciled again from the cache once the watch has (very likely) delivered the newer
/// object: 20 ms, doubling while conflicts repeat up to 1 s (work_queue::add_short_backoff), not the error
/// backoff that grows to minutes.
constexpr std::chrono::microseconds conflict_delay{20'000};
constexpr std::chrono::microseconds max_conflict_delay{1'000'000};

}  // namespace

struct controller::impl {
  impl(client& api, logger log, operator_metrics& metrics, controller_options options)
      : api(api), log(std::move(log)), m(metrics), options(std::move(options)), queue(this->options.queue),
        events(api, this->log.with({{"controller", "events"}}), this->options.events, event_sender::default_max_queued,
               [this] {
                 std::lock_guard lock(queue_mutex);
                 return queue.busy(wall_now());
               }),
        writer(api, this->log, events,
               [this](const reconcile::object_ref& target, std::string_view based_on_rv, const response& answer) {
                 write_through(target, based_on_rv, answer);
               }) {}

  client& api;
  logger log;
  operator_metrics& m;
  controller_options options;

  std::mutex cache_mutex;
  // Each cache keeps only what reconcile reads (cache_shapes.cpp lists the reads), compactly.
  object_cache habitats{habitat_cache_options()};
  object_cache stateful_sets{stateful_set_cache_options()};
  object_cache services{service_cache_options()};
  object_cache config_maps{config_map_cache_options()};
  object_cache pods{pod_cache_options()};
  object_cache secrets{secret_cache_options()};
  object_cache service_accounts{service_account_cache_options()};
  /// ns → peer ConfigMap name → Habitat names mapped to it; and Habitat key → its ConfigMap (under cache_mutex).
  std::map<std::string, std::map<std::string, std::set<std::string>>> sharers;
  std::map<std::string, std::string> peer_of;
  std::vector<std::unique_ptr<reflector>> reflectors;
  /// The optional ones: while a list is forbidden, reconcile is told the names are unknown (not checked).
  const reflector* secrets_reflector = nullptr;
  const reflector* service_accounts_reflector = nullptr;

  std::mutex queue_mutex;
  std::condition_variable queue_cv;
  work_queue queue;
  instant queue_gauges_at;   ///< When the workqueue gauges were last sampled (under queue_mutex).
  event_sender events;
  plan_writer writer;

  std::vector<std::thread> workers;
  std::thread resync;
  std::mutex resync_mutex;
  std::condition_variable resync_cv;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> reconciles{0};

  void enqueue(const std::string& key) {
    {
      std::lock_guard lock(queue_mutex);
      queue.add(key, wall_now());
    }
    m.workqueue_adds_total.inc({options.queue.name});
    queue_cv.notify_one();
  }

  /// A peer ConfigMap's desired content is the same whichever sharing Habitat computes it (peers.hpp), so one
  /// sharer's reconcile restores it; enqueueing all of them would turn each write into N reconciles (N² in total
  /// for a big ring).
  void enqueue_one_sharer(const std::string& ns, const std::string& cm) {
    auto by_ns = sharers.find(ns);
    if (by_ns == sharers.end()) return;
    auto it = by_ns->second.find(cm);
    if (it != by_ns->second.end() && !it->second.empty()) enqueue(ns + "/" + *it->second.begin());
  }

  // Cache handlers: called with cache_mutex held.
  void on_habitat(const object_ptr& previous, const object_ptr& current) {
    const auto& obj = current ? *current : *previous;
    const std::string ns = meta_string(obj, "namespace"), name = meta_string(obj, "name");
    const std::string key = ns + "/" + name;
    std::optional<std::string> cm;
    if (current) cm = reconcile::peer_config_map_of(*current);
    auto old = peer_of.find(key);
    const std::optional<std::string> old_cm =
        old == peer_of.end() ? std::nullopt : std::optional<std::string>(old->second);
    if (old_cm != cm) {
      // The set of Habitats sharing a peer ConfigMap changed: one left behind rewrites its owners.
      if (old_cm) {
        sharers[ns][*old_cm].erase(name);
        enqueue_one_sharer(ns, *old_cm);
        peer_of.erase(key);
      }
      if (cm) {
        sharers[ns][*cm].insert(name);
        peer_of[key] = *cm;
      }
    }
    note_peer_inputs(ns, previous ? reconcile::peer_index_key_of_habitat(*previous) : std::string(),
                     current ? reconcile::peer_index_key_of_habitat(*current) : std::string());
    if (!current && habitats.keys(ns).empty()) {
      peer_indexes.erase(ns);
      peer_generations.erase(ns);
    }
    enqueue(key);
    m.cache_objects.set({"Habitat"}, static_cast<double>(habitats.size()));
  }

  /// The Habitat named by the `habitat-name` label, before and after the change: an edit of the label itself (a
  /// Service relabelled by hand) must wake the Habitat that owns the object, which restores the label.
  void on_owned(const char* kind, const object_cache& cache, const object_ptr& previous, const object_ptr& current) {
    const auto& obj = current ? *current : *previous;
    const std::string before(previous ? label_value(*previous, "habitat-name") : std::string_view());
    const std::string after(current ? label_value(*current, "habitat-name") : std::string_view());
    if (!after.empty()) enqueue(meta_string(obj, "namespace") + "/" + after);
    if (!before.empty() && before != after) enqueue(meta_string(obj, "namespace") + "/" + before);
    m.cache_objects.set({kind}, static_cast<double>(cache.size()));
  }

  void on_pod(const object_ptr& previous, const object_ptr& current) {
    const auto& obj = current ? *current : *previous;
    note_peer_inputs(meta_string(obj, "namespace"), previous ? reconcile::peer_index_key_of_pod(*previous) : std::string(),
                     current ? reconcile::peer_index_key_of_pod(*current) : std::string());
    on_owned("Pod", pods, previous, current);
  }

  void on_config_map(const object_ptr& previous, const object_ptr& current) {
    const auto& obj = current ? *current : *previous;
    ++peer_generations[meta_string(obj, "namespace")];   // the index knows which sharers each ConfigMap serves
    enqueue_one_sharer(meta_string(obj, "namespace"), meta_string(obj, "name"));
    m.cache_objects.set({"ConfigMap"}, static_cast<double>(config_maps.size()));
  }

  /// Secrets and ServiceAccounts: only existence matters to reconcile (contents are never read), so an edit
  /// changes nothing; an appearance or a disappearance wakes the namespace's Habitats.
  void on_named(const char* kind, const object_cache& cache, const object_ptr& previous, const object_ptr& current) {
    m.cache_objects.set({kind}, static_cast<double>(cache.size()));
    if (previous && current) return;
    const auto& obj = current ? *current : *previous;
    enqueue_habitats(meta_string(obj, "namespace"));
  }

  /// Every cached Habitat of `ns` (all namespaces when empty). Under cache_mutex.
  void enqueue_habitats(std::string_view ns = {}) {
    for (const auto& key : habitats.keys(ns)) enqueue(key);
  }

  /// `optional`: a cache reconcile can do without (reflector_config::optional).
  reflector& add_reflector(const std::string& kind, const std::string& api_version, const std::string& group_path,
                           const std::string& plural, const std::string& selector, object_cache& cache,
                           change_handler handler, bool optional = false) {
    reflector_config cfg;
    cfg.kind = kind;
    cfg.api_version = api_version;
    cfg.path = group_path + (options.ns.empty() ? "" : "/namespaces/" + options.ns) + "/" + plural;
    cfg.label_selector = selector;
    cfg.optional = optional;
    if (optional) cfg.on_availability_change = [this] { enqueue_habitats(); };
    by_kind[kind] = {&cache, handler};
    reflectors.push_back(std::make_unique<reflector>(api, log.with({{"kind", kind}}), std::move(cfg), cache,
                                                     cache_mutex, std::move(handler)));
    return *reflectors.back();
  }

  /// Each watched kind's cache and change handler, as its reflector has them (write_through feeds the same pair).
  struct watched {
    object_cache* cache = nullptr;
    change_handler handler;
  };
  std::map<std::string, watched, std::less<>> by_kind;

  /// Per namespace, the peer index (reconcile/peers.hpp) and the generation of peer inputs it was built at (under
  /// cache_mutex). The cache handlers bump a namespace's generation when a peer ConfigMap changes or an object's
  /// peer_index_key does, so a burst of status writes reuses one index instead of regrouping the namespace on every
  /// reconcile (O(N²)).
  struct peer_index_entry {
    std::uint64_t generation = 0;
    std::shared_ptr<const reconcile::peer_index> index;
  };
  std::map<std::string, peer_index_entry> peer_indexes;
  /// What every reconcile runs with; the peer index records whom a ConfigMap serves for the same seed bound.
  const reconcile::options reconcile_options{};
  std::map<std::string, std::uint64_t> peer_generations;

  void note_peer_inputs(const std::string& ns, const std::string& before, const std::string& after) {
    if (before != after) ++peer_generations[ns];
  }

  std::shared_ptr<const reconcile::peer_index> peer_index_for(const std::string& ns) {
    const std::uint64_t generation = peer_generations[ns];
    peer_index_entry& e = peer_indexes[ns];
    if (!e.index || e.generation != generation) {
      e.index = std::make_shared<const reconcile::peer_index>(reconcile::build_peer_index(
          habitats.summaries(ns), pods.list(ns), config_maps.list(ns), reconcile_options.max_peer_seeds));
      e.generation = generation;
    }
    return e.index;
  }

  /// observed_hash of a Habitat's cached StatefulSet and Service with the object versions (uid and
  /// resourceVersion, themselves hashed: 16 bytes a memo instead of ~100) they were computed from: a converged
  /// reconcile then hashes nothing. Not the pointer: packed caches hand out a fresh object per read. Under
  /// cache_mutex; dropped with the Habitat.
  struct hashed {
    std::uint64_t version = 0;   ///< 0: none.
    std::uint64_t hash = 0;
  };
  std::map<std::string, std::pair<hashed, hashed>> observed_hashes;

  static std::optional<std::uint64_t> hash_of(hashed& memo, const object_ptr& current) {
    if (!current) {
      memo = {};
      return std::nullopt;
    }
    std::string key = meta_string(*current, "uid");
    key += '/';
    key += metadata_string(*current, "resourceVersion");
    const std::uint64_t version = std::hash<std::string>{}(key) | 1;   // never 0
    if (memo.version != version) memo = {version, reconcile::observed_hash(*current)};
    return memo.hash;
  }

  /// Objects a create of this Habitat's found already there, which the label-filtered caches cannot see (a user's
  /// Service named like the Habitat, an unlabelled ConfigMap): fetched once and shown to its next reconcile, which
  /// adopts them or reports who controls them. Keyed by Habitat; under cache_mutex; consumed by that reconcile.
  std::map<std::string, std::vector<object_ptr>> uncached;

  /// Our own write, folded into its cache (object_cache::write_through) and handled as the watch event would be:
  /// the next reconcile of a namespace sharing a peer ConfigMap patches the version just written rather than the
  /// one it replaced (a 409 per Habitat created one by one), and a status write is not repeated.
  void write_through(const reconcile::object_ref& target, std::string_view based_on_rv, const response& answer) {
    const auto kind = by_kind.find(target.kind);
    if (kind == by_kind.end()) return;
    auto v = json::parse_json(answer.body);
    if (!v || !v->is_object() || cache_key(v->get_object()).empty()) {
      log.warn("malformed reply to a write: not the object written; its watch event will bring it",
               {{"kind", target.kind}, {"namespace", target.ns}, {"name", target.name},
                {"error", !v ? v.error().message : "not an object with metadata.name"}});
      return;
    }
    std::lock_guard lock(cache_mutex);
    const cache_change change = kind->second.cache->write_through(std::move(v->get_object()), based_on_rv);
    if (change.what != cache_change::kind::none) kind->second.handler(change.previous, change.current);
  }

  // A LIST by name rather than a GET: the operator's RBAC grants list and watch on what it owns, not get.
  void fetch_existing(const std::string& key, const reconcile::object_ref& ref) {
    http::request list;
    list.method = "GET";
    list.path = http::resource_path(ref, false);
    list.query = {{"fieldSelector", "metadata.name=" + ref.name}};
    auto r = api.send(list);
    if (!r || r->status != 200) return;   // unreadable: the next reconcile creates it again, with backoff
    auto v = json::parse_json(r->body);
    const boost::json::value* items = v && v->is_object() ? v->get_object().if_contains("items") : nullptr;
    if (!items || !items->is_array()) return;
    for (const auto& item : items->get_array()) {
      if (!item.is_object() || meta_string(item.get_object(), "name") != ref.name) continue;
      boost::json::object o = transform_for_cache(item.get_object(), false);
      o["apiVersion"] = ref.api_version;   // list items may leave them out
      o["kind"] = ref.kind;
      std::lock_guard lock(cache_mutex);
      uncached[key].push_back(std::make_shared<const boost::json::object>(std::move(o)));
      return;
    }
  }

  /// The snapshot of one Habitat from the caches (and `uncached`; `used_uncached` says whether it had any).
  reconcile::snapshot snapshot_for(const std::string& ns, const std::string& name, bool& used_uncached) {
    reconcile::snapshot s;
    // The caches' shared, immutable objects: a snapshot copies pointers, never JSON.
    s.stateful_set = stateful_sets.get(ns, name);
    s.service = services.get(ns, name);
    s.config_maps = config_maps.list(ns);
    used_uncached = false;
    if (auto it = uncached.find(ns + "/" + name); it != uncached.end()) {
      for (const auto& o : it->second) {
        const std::string kind(o->contains("kind") && o->at("kind").is_string() ? o->at("kind").get_string() : "");
        const std::string object_name = meta_string(*o, "name");
        if (kind == "StatefulSet" && !s.stateful_set) s.stateful_set = o;
        if (kind == "Service" && !s.service) s.service = o;
        if (kind == "ConfigMap" && std::none_of(s.config_maps.begin(), s.config_maps.end(), [&](const object_ptr& c) {
              return meta_string(*c, "name") == object_name;
            }))
          s.config_maps.push_back(o);
      }
      uncached.erase(it);
      used_uncached = true;
    }
    auto& [sts_hash, svc_hash] = observed_hashes[ns + "/" + name];
    s.stateful_set_hash = hash_of(sts_hash, s.stateful_set);
    s.service_hash = hash_of(svc_hash, s.service);
    // With the index given, reconcile reads neither the namespace's Habitats nor other Habitats' pods.
    s.pods = pods.by_label(ns, name);
    if (secrets_reflector->available()) s.secret_names = secrets.names(ns);
    if (service_accounts_reflector->available()) s.service_account_names = service_accounts.names(ns);
    s.peers = peer_index_for(ns);
    return s;
  }

  void process(const std::string& key) {
    const auto started = std::chrono::steady_clock::now();
    const auto slash = key.find('/');
    const std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
    object_ptr habitat;
    reconcile::snapshot snap;
    bool used_uncached = false;
    {
      std::lock_guard lock(cache_mutex);
      habitat = habitats.get(ns, name);
      if (habitat) snap = snapshot_for(ns, name, used_uncached);
      else {
        observed_hashes.erase(key);
        uncached.erase(key);
      }
    }
    outcome result = outcome::success;
    std::optional<std::chrono::milliseconds> requeue_after;
    std::chrono::seconds retry_delay{0};
    if (habitat) {
      ++reconciles;
      try {
        const reconcile::plan plan = reconcile::reconcile(*habitat, snap, wall_now(), reconcile_options);
        requeue_after = plan.requeue_after;
        std::optional<reconcile::object_ref> existing;
        result = writer.apply(plan, *habitat, key, retry_delay, existing);
        if (result == outcome::already_exists && existing) fetch_existing(key, *existing);
      } catch (const std::exception& e) {
        log.error("reconcile threw", {{"habitat", key}, {"error", e.what()}});
        result = outcome::retry;
      }
    }
    // An object seen only through a fetch is not watched: while the plan leaves it alone (someone else's), look
    // again with the key's growing backoff rather than never (its deletion sends no event) or in a hot loop.
    const bool poll_uncached = used_uncached && (result == outcome::success || result == outcome::terminal);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    m.reconcile_time_seconds.observe(controller_label, seconds);
    {
      std::lock_guard lock(queue_mutex);
      const instant now = wall_now();
      switch (poll_uncached ? outcome::already_exists : result) {
        case outcome::success:
          queue.forget(key);
          if (requeue_after) {
            queue.add_after(key, std::chrono::duration_cast<std::chrono::microseconds>(*requeue_after), now);
          }
          break;
        case outcome::terminal: queue.forget(key); break;
        case outcome::conflict: queue.add_short_backoff(key, conflict_delay, max_conflict_delay, now); break;
        case outcome::already_exists:
        case outcome::retry: queue.add_rate_limited(key, now); break;
        case outcome::retry_after: queue.retry_after(key, retry_delay, now); break;
        case outcome::abandoned: break;
      }
      const auto work = queue.done(key, now);
      m.workqueue_work_duration.observe({options.queue.name}, std::chrono::duration<double>(work).count());
      // The gauges walk the queue: sampled every 100 ms during a burst (O(N) per reconcile would be O(N²)), and
      // whenever the queue goes idle so that they never stay stale.
      if (!queue.busy(now) || now.unix_micros - queue_gauges_at.unix_micros >= 100'000) {
        queue_gauges_at = now;
        const auto st = queue.stats(now);
        m.workqueue_depth.set({options.queue.name}, static_cast<double>(st.depth));
        m.workqueue_unfinished_work.set({options.queue.name}, st.unfinished_work_seconds);
        m.workqueue_longest_running.set({options.queue.name}, st.longest_running_processor_seconds);
      }
    }
    queue_cv.notify_all();
    const bool failed = result == outcome::retry || result == outcome::retry_after || result == outcome::conflict ||
                        result == outcome::already_exists;
    if (failed) {
      m.reconcile_errors_total.inc(controller_label);
      m.workqueue_retries_total.inc({options.queue.name});
    }
    const std::string_view label = failed ? result_error : requeue_after ? result_requeue_after : result_success;
    m.reconcile_total.inc({"habitat", std::string(label)});
  }

  void work() {
    idle_trim trim;
    for (;;) {
      std::string key;
      {
        std::unique_lock lock(queue_mutex);
        for (;;) {
          // After shutdown only in-flight reconciles finish: queued keys are left for the next leader.
          if (writer.stopped() || queue.shutting_down()) return;
          const instant now = wall_now();
          if (auto item = queue.get(now)) {
            key = std::move(item->key);
            m.workqueue_queue_duration.observe({options.queue.name},
                                               std::chrono::duration<double>(item->queue_latency).count());
            break;
          }
          if (trim.idle()) {
            lock.unlock();
            trim_heap_when_idle();
            lock.lock();
            continue;
          }
          auto wait = trim.wait_for(std::chrono::microseconds(1'000'000));
          if (auto next = queue.next_ready_time()) {
            wait = std::min(wait, std::chrono::microseconds(std::max<std::int64_t>(next->unix_micros - now.unix_micros, 0)));
          }
          queue_cv.wait_for(lock, wait);
        }
      }
      // Busy workers, as controller-runtime counts them (around one reconcile), not started ones.
      m.active_workers.add(controller_label, 1);
      process(key);
      m.active_workers.add(controller_label, -1);
      trim.worked();
    }
  }

  void resync_loop() {
    std::unique_lock lock(resync_mutex);
    while (!stopping) {
      resync_cv.wait_for(lock, options.resync_period, [this] { return stopping.load(); });
      if (stopping) return;
      std::lock_guard cache_lock(cache_mutex);
      enqueue_habitats();
    }
  }
};

controller::controller(client& api, logger log, operator_metrics& metrics, controller_options options)
    : impl_(std::make_unique<impl>(api, std::move(log), metrics, std::move(options))) {
  auto& p = *impl_;
  const std::string selector = "habitat=true";
  p.add_reflector("Habitat", "habitat.sh/v1beta1", "/apis/habitat.sh/v1beta1", "habitats", "", p.habitats,
                  [&p](const object_ptr& a, const object_ptr& b) { p.on_habitat(a, b); });
  p.add_reflector("StatefulSet", "apps/v1", "/apis/apps/v1", "statefulsets", selector, p.stateful_sets,
                  [&p](const object_ptr& a, const object_ptr& b) { p.on_owned("StatefulSet", p.stateful_sets, a, b); });
  p.add_reflector("Service", "v1", "/api/v1", "services", selector, p.services,
                  [&p](const object_ptr& a, const object_ptr& b) { p.on_owned("Service", p.services, a, b); });
  p.add_reflector("ConfigMap", "v1", "/api/v1", "configmaps", selector, p.config_maps,
                  [&p](const object_ptr& a, const object_ptr& b) { p.on_config_map(a, b); });
  p.add_reflector("Pod", "v1", "/api/v1", "pods", selector, p.pods,
                  [&p](const object_ptr& a, const object_ptr& b) { p.on_pod(a, b); });
  p.secrets_reflector = &p.add_reflector(
      "Secret", "v1", "/api/v1", "secrets", "", p.secrets,
      [&p](const object_ptr& a, const object_ptr& b) { p.on_named("Secret", p.secrets, a, b); }, true);
  p.service_accounts_reflector = &p.add_reflector(
      "ServiceAccount", "v1", "/api/v1", "serviceaccounts", "", p.service_accounts,
      [&p](const object_ptr& a, const object_ptr& b) { p.on_named("ServiceAccount", p.service_accounts, a, b); },
      true);
  p.m.max_concurrent_reconciles.set(controller_label, p.options.workers);
}

controller::~controller() { shut_down(); }

void controller::start_caches() {
  for (auto& r : impl_->reflectors) r->start();
}

bool controller::synced() const {
  for (const auto& r : impl_->reflectors) {
    if (!r->synced()) return false;
  }
  return true;
}

void controller::start_workers() {
  auto& p = *impl_;
  if (!p.workers.empty() || p.stopping) return;
  for (int i = 0; i < std::max(1, p.options.workers); ++i) p.workers.emplace_back([&p] { p.work(); });
  if (p.options.resync_period.count() > 0) p.resync = std::thread([&p] { p.resync_loop(); });
}

void controller::gate_writes(std::function<bool()> may_write) { impl_->writer.gate(std::move(may_write)); }

void controller::stop_writing() {
  impl_->writer.stop();
  impl_->events.stop_writing();
  impl_->queue_cv.notify_all();
}

void controller::shut_down() {
  auto& p = *impl_;
  {
    std::lock_guard lock(p.resync_mutex);
    p.stopping = true;
  }
  p.resync_cv.notify_all();
  {
    std::lock_guard lock(p.queue_mutex);
    p.queue.shut_down(wall_now());
  }
  p.queue_cv.notify_all();
  for (auto& r : p.reflectors) r->request_stop();
  p.api.cancel_watches();
  for (auto& r : p.reflectors) r->stop();
  for (auto& w : p.workers) {
    if (w.joinable()) w.join();
  }
  if (p.resync.joinable()) p.resync.join();
  p.events.stop();
}

controller_stats controller::stats() const {
  const event_sender_stats e = impl_->events.stats();
  return controller_stats{impl_->reconciles.load(), impl_->writer.writes() + e.writes,
                          impl_->writer.errors() + e.failures};
}

}  // namespace habop::op
