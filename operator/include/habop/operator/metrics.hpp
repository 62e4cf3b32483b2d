// A small Prometheus registry: counters, gauges and histograms with fixed label names, text exposition format 0.0.4.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace habop::op {

/// Label values in the order the family's label names were declared.
using label_values = std::vector<std::string>;

/// Common to every family: name, help, label names, and a mutex. Every method of every family is thread-safe
/// (the runtime is single-threaded per io_context, but `/metrics` may be served from another thread).
class metric_family {
 public:
  metric_family(std::string name, std::string help, std::vector<std::string> label_names);
  virtual ~metric_family() = default;
  const std::string& name() const { return name_; }
  /// Appends this family's HELP, TYPE and sample lines; nothing when a labelled family has no series yet.
  virtual void expose(std::string& out) const = 0;

 protected:
  /// `{a="x",b="y"}` with names sorted as client_golang prints them, `extra` (e.g. `le`) last; empty when none.
  std::string label_text(const label_values& values, std::string_view extra_name = {},
                         std::string_view extra_value = {}) const;
  void header(std::string& out, std::string_view type) const;
  /// Checks arity: a wrong number of values is a programming error, reported by ignoring the sample.
  bool arity_ok(const label_values& values) const { return values.size() == label_names_.size(); }

  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
};

/// A monotonically increasing count.
class counter final : public metric_family {
 public:
  using metric_family::metric_family;
  /// Adds `by` (negative amounts are ignored: counters never go down).
  void inc(const label_values& labels = {}, double by = 1);
  double value(const label_values& labels = {}) const;
  void expose(std::string& out) const override;

 private:
  std::map<label_values, double> values_;
};

/// A value that goes up and down.
class gauge final : public metric_family {
 public:
  using metric_family::metric_family;
  void set(const label_values& labels, double v);
  void add(const label_values& labels, double by);
  double value(const label_values& labels = {}) const;
  void expose(std::string& out) const override;

 private:
  std::map<label_values, double> values_;
};

/// Observations counted into cumulative buckets (`le`), with `_sum` and `_count`.
class histogram final : public metric_family {
 public:
  /// `buckets` are upper bounds, sorted ascending (they are sorted and deduplicated if not); `+Inf` is implicit.
  histogram(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> buckets);
  void observe(const label_values& labels, double v);
  /// Number of observations so far for `labels`.
  std::uint64_t count(const label_values& labels = {}) const;
  double sum(const label_values& labels = {}) const;
  void expose(std::string& out) const override;

 private:
  struct series {
    std::vector<std::uint64_t> counts;   ///< Per bucket, non-cumulative; the last one is +Inf.
    double sum = 0;
    std::uint64_t count = 0;
  };
  std::vector<double> buckets_;
  std::map<label_values, series> series_;
};

/// Owns families; references returned by `add_*` stay valid for the registry's lifetime.
class registry {
 public:
  /// Registering a name twice returns the first family (its help and labels are kept). Registering it again as
  /// another type is a programming error: the new family works but is never exposed.
  counter& add_counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  gauge& add_gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  histogram& add_histogram(std::string name, std::string help, std::vector<std::string> label_names,
                           std::vector<double> buckets);
  /// The `/metrics` body (`Content-Type: text/plain; version=0.0.4; charset=utf-8`), families sorted by name.
  std::string expose() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<metric_family>, std::less<>> families_;
  std::vector<std::unique_ptr<metric_family>> detached_;

  template <class F, class... A>
  F& add(std::string name, A&&... args);
};

/// `Content-Type` of `registry::expose()`.
inline constexpr std::string_view exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// A number as client_golang writes it: Go's `strconv.FormatFloat(v, 'g', -1, 64)`, `+Inf`, `-Inf`, `NaN`.
std::string format_metric_value(double v);

/// Bucket bounds `start, start*factor, …` (`count` of them), as prometheus.ExponentialBuckets.
std::vector<double> exponential_buckets(double start, double factor, int count);

/// The operator's metrics, named as controller-runtime and client-go name them so existing dashboards work.
struct operator_metrics {
  counter& reconcile_total;              ///< controller_runtime_reconcile_total{controller,result}
  counter& reconcile_errors_total;       ///< controller_runtime_reconcile_errors_total{controller}
  histogram& reconcile_time_seconds;     ///< controller_runtime_reconcile_time_seconds{controller}
  gauge& max_concurrent_reconciles;      ///< controller_runtime_max_concurrent_reconciles{controller}
  gauge& active_workers;                 ///< controller_runtime_active_workers{controller}
  gauge& workqueue_depth;                ///< workqueue_depth{name}
  counter& workqueue_adds_total;         ///< workqueue_adds_total{name}
  counter& workqueue_retries_total;      ///< workqueue_retries_total{name}
  histogram& workqueue_queue_duration;   ///< workqueue_queue_duration_seconds{name}
  histogram& workqueue_work_duration;    ///< workqueue_work_duration_seconds{name}
  gauge& workqueue_unfinished_work;      ///< workqueue_unfinished_work_seconds{name}
  gauge& workqueue_longest_running;      ///< workqueue_longest_running_processor_seconds{name}
  counter& rest_client_requests_total;   ///< rest_client_requests_total{code,method,host}
  gauge& leader_election_master_status;  ///< leader_election_master_status{name}: 1 leading, 0 not
  gauge& cache_objects;                  ///< habop_cache_objects{kind}

  /// Registers every family in `r` (idempotent) and returns references to them.
  static operator_metrics register_in(registry& r);
};

/// reconcile_total `result` label values.
inline constexpr std::string_view result_success = "success";
inline constexpr std::string_view result_error = "error";
inline constexpr std::string_view result_requeue = "requeue";
inline constexpr std::string_view result_requeue_after = "requeue_after";

}  // namespace habop::op
