// A client-go-style reflector: LIST (paged) then WATCH from the last resourceVersion into an object_cache.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <habop/operator/client.hpp>
#include <habop/operator/list_watch.hpp>
#include <habop/operator/log.hpp>
#include <habop/operator/object_cache.hpp>

namespace habop::op {

/// What one reflector lists and watches.
struct reflector_config {
  std::string kind;                ///< `Habitat`, `StatefulSet`, ...: filled into list items, used in logs.
  std::string api_version;         ///< `habitat.sh/v1beta1`, `apps/v1`, `v1`.
  std::string path;                ///< The collection: `/api/v1/pods` or `/api/v1/namespaces/ns/pods`.
  std::string label_selector;      ///< Server-side filter, empty for none.
  /// A cache reconcile can do without (Secrets, ServiceAccounts: existence checks only). When the server forbids
  /// listing it (403, e.g. an operator upgraded without its new Role), the reflector counts as synced but not
  /// `available`, holds no objects, warns once, and keeps retrying with backoff, so the missing permission costs
  /// that check rather than the whole operator's readiness.
  bool optional = false;
  /// Called (cache mutex held) when an optional reflector becomes available or unavailable: what reconcile checks
  /// changes for every object, not only for those whose dependents the cache's own changes wake.
  std::function<void()> on_availability_change;
  std::chrono::milliseconds min_backoff{800};
  std::chrono::milliseconds max_backoff{30'000};
};

/// Called with the cache lock held for every change the reflector folds in: previous null on add, current null on
/// delete (including deletions a relist detected).
using change_handler = std::function<void(const object_ptr& previous, const object_ptr& current)>;

/// Runs on its own thread. The cache is shared with readers under `mutex`.
class reflector {
 public:
  reflector(client& api, logger log, reflector_config config, object_cache& cache, std::mutex& mutex,
            change_handler on_change);
  ~reflector();
  reflector(const reflector&) = delete;
  reflector& operator=(const reflector&) = delete;

  void start();
  /// Asks the loop to end; the caller also cancels the client's watches so a blocked stream returns. Joins.
  void stop();
  /// Asks the loop to end without waiting (so that several reflectors can be stopped together).
  void request_stop();
  /// True once the first LIST has been folded in.
  bool synced() const { return synced_.load(); }
  /// LISTs made so far (initial one included): relists after 410 show up here.
  int lists() const { return lists_.load(); }
  /// False while an optional reflector's LIST is forbidden (its cache is then empty). Changes under the cache
  /// mutex, together with the cache, so a reader holding the mutex sees both agree.
  bool available() const { return available_.load(); }

 private:
  void run();
  bool list();
  /// Returns true when a relist is needed (410 or a non-transport failure).
  bool watch_once(bool& had_events);
  void sleep_backoff();
  /// After a reply with `status`: true when it made the reflector switch from metadata to full objects (406).
  bool fall_back(int status);
  /// An optional reflector whose LIST was forbidden: empties the cache (handlers see the deletions) and reports.
  void become_unavailable(const error& forbidden);
  bool stopping() const { return stop_.load(); }

  client& api_;
  logger log_;
  reflector_config config_;
  object_cache& cache_;
  std::mutex& mutex_;
  change_handler on_change_;
  /// Metadata for a metadata-only cache until the server answers 406; touched by the reflector thread only.
  object_format format_;
  /// Where each watch event is parsed (bump-allocated, released per line; bigger events spill to the heap).
  /// 32 KB holds a parsed Pod, StatefulSet or Habitat event; a 1,000-owner peer ConfigMap spills.
  static constexpr std::size_t scratch_size = 32 * 1024;
  std::unique_ptr<unsigned char[]> scratch_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> synced_{false};
  std::atomic<bool> available_{true};
  std::atomic<int> lists_{0};
  std::chrono::milliseconds backoff_{0};
  std::mutex sleep_mutex_;
  std::condition_variable sleep_cv_;
  std::thread thread_;
};

}  // namespace habop::op
