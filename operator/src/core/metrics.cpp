// Prometheus families and their text exposition (format 0.0.4), printed exactly as client_golang prints them.
#include <habop/operator/metrics.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

namespace habop::op {
namespace {

void escape_into(std::string& out, std::string_view s, bool quotes) {
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quotes && c == '"') out += "\\\"";
    else out += c;
  }
}

void write_sample(std::string& out, std::string_view name, std::string_view suffix, const std::string& labels, double v) {
  out += name;
  out += suffix;
  out += labels;
  out += ' ';
  out += format_metric_value(v);
  out += '\n';
}

}  // namespace

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest round-trip digits, then strconv's 'g' rule for precision -1: scientific when exp < -4 || exp >= 6
  // (so 100000 prints as `100000` but a million as `1e+06`, as client_golang does).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view text(buf, static_cast<std::size_t>(res.ptr - buf));
  std::string out;
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  auto e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) if (c != '.') digits += c;
  int exp = 0;
  std::string_view exp_text = text.substr(e + 1);
  if (exp_text.front() == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += exp < 0 ? '-' : '+';
    int a = std::abs(exp);
    if (a < 10) out += '0';
    out += std::to_string(a);
  } else if (exp < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp - 1), '0');
    out += digits;
  } else {
    auto int_len = static_cast<std::size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits;
      out.append(int_len - digits.size(), '0');
    } else {
      out += digits.substr(0, int_len);
      out += '.';
      out += digits.substr(int_len);
    }
  }
  return out;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  std::vector<double> b;
  for (int i = 0; i < count; ++i) {
    b.push_back(start);
    start *= factor;
  }
  return b;
}

metric_family::metric_family(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

std::string metric_family::label_text(const label_values& values, std::string_view extra_name,
                                      std::string_view extra_value) const {
  if (label_names_.empty() && extra_name.empty()) return {};
  std::vector<std::size_t> order(label_names_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return label_names_[a] < label_names_[b]; });
  std::string out = "{";
  for (auto i : order) {
    if (out.size() > 1) out += ',';
    out += label_names_[i];
    out += "=\"";
    escape_into(out, values[i], true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (out.size() > 1) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

void metric_family::header(std::string& out, std::string_view type) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  escape_into(out, help_, false);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type;
  out += '\n';
}

void counter::inc(const label_values& labels, double by) {
  if (!arity_ok(labels) || !(by >= 0)) return;
  std::lock_guard lock(mutex_);
  values_[labels] += by;
}

double counter::value(const label_values& labels) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void counter::expose(std::string& out) const {
  std::lock_guard lock(mutex_);
  if (values_.empty() && !label_names_.empty()) return;
  header(out, "counter");
  if (values_.empty()) write_sample(out, name_, "", "", 0);
  for (const auto& [labels, v] : values_) write_sample(out, name_, "", label_text(labels), v);
}

void gauge::set(const label_values& labels, double v) {
  if (!arity_ok(labels)) return;
  std::lock_guard lock(mutex_);
  values_[labels] = v;
}

void gauge::add(const label_values& labels, double by) {
  if (!arity_ok(labels)) return;
  std::lock_guard lock(mutex_);
  values_[labels] += by;
}

double gauge::value(const label_values& labels) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void gauge::expose(std::string& out) const {
  std::lock_guard lock(mutex_);
  if (values_.empty() && !label_names_.empty()) return;
  header(out, "gauge");
  if (values_.empty()) write_sample(out, name_, "", "", 0);
  for (const auto& [labels, v] : values_) write_sample(out, name_, "", label_text(labels), v);
}

histogram::histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> buckets)
    : metric_family(std::move(name), std::move(help), std::move(label_names)), buckets_(std::move(buckets)) {
  std::sort(buckets_.begin(), buckets_.end());
  buckets_.erase(std::unique(buckets_.begin(), buckets_.end()), buckets_.end());
  std::erase_if(buckets_, [](double b) { return std::isnan(b) || std::isinf(b); });
}

void histogram::observe(const label_values& labels, double v) {
  if (!arity_ok(labels) || std::isnan(v)) return;
  std::lock_guard lock(mutex_);
  series& s = series_[labels];
  if (s.counts.empty()) s.counts.assign(buckets_.size() + 1, 0);
  auto i = static_cast<std::size_t>(std::lower_bound(buckets_.begin(), buckets_.end(), v) - buckets_.begin());
  ++s.counts[i];  // First bucket whose upper bound is >= v; `le` is inclusive.
  s.sum += v;
  ++s.count;
}

std::uint64_t histogram::count(const label_values& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

double histogram::sum(const label_values& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.sum;
}

void histogram::expose(std::string& out) const {
  std::lock_guard lock(mutex_);
  if (series_.empty() && !label_names_.empty()) return;
  header(out, "histogram");
  auto one = [&](const label_values& labels, const series* s) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      if (s) cumulative += s->counts[i];
      write_sample(out, name_, "_bucket", label_text(labels, "le", format_metric_value(buckets_[i])),
             static_cast<double>(cumulative));
    }
    write_sample(out, name_, "_bucket", label_text(labels, "le", "+Inf"), s ? static_cast<double>(s->count) : 0);
    std::string plain = label_text(labels);
    write_sample(out, name_, "_sum", plain, s ? s->sum : 0);
    write_sample(out, name_, "_count", plain, s ? static_cast<double>(s->count) : 0);
  };
  if (series_.empty()) one({}, nullptr);
  for (const auto& [labels, s] : series_) one(labels, &s);
}

template <class F, class... A>
F& registry::add(std::string name, A&&... args) {
  std::lock_guard lock(mutex_);
  if (auto it = families_.find(name); it != families_.end()) {
    if (auto* f = dynamic_cast<F*>(it->second.get())) return *f;
    auto& d = detached_.emplace_back(std::make_unique<F>(std::move(name), std::forward<A>(args)...));
    return static_cast<F&>(*d);
  }
  auto f = std::make_unique<F>(name, std::forward<A>(args)...);
  F& ref = *f;
  families_.emplace(std::move(name), std::move(f));
  return ref;
}

counter& registry::add_counter(std::string name, std::string help, std::vector<std::string> label_names) {
  return add<counter>(std::move(name), std::move(help), std::move(label_names));
}

gauge& registry::add_gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return add<gauge>(std::move(name), std::move(help), std::move(label_names));
}

histogram& registry::add_histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                   std::vector<double> buckets) {
  return add<histogram>(std::move(name), std::move(help), std::move(label_names), std::move(buckets));
}

std::string registry::expose() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) family->expose(out);
  return out;
}

operator_metrics operator_metrics::register_in(registry& r) {
  // controller-runtime's reconcile_time_seconds buckets (v0.15+), and client-go's workqueue buckets.
  std::vector<double> reconcile_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45,
                                           0.5,   0.6,  0.7,   0.8,  0.9, 1.0,  1.25, 1.5, 1.75, 2.0, 2.5, 3.0,
                                           3.5,   4.0,  4.5,   5,    6,   7,    8,    9,   10,   15,  20,  25,
                                           30,    40,   50,    60};
  auto queue_buckets = exponential_buckets(10e-9, 10, 12);
  return operator_metrics{
      r.add_counter("controller_runtime_reconcile_total", "Total number of reconciliations per controller",
                    {"controller", "result"}),
      r.add_counter("controller_runtime_reconcile_errors_total",
                    "Total number of reconciliation errors per controller", {"controller"}),
      r.add_histogram("controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller",
                      {"controller"}, reconcile_buckets),
      r.add_gauge("controller_runtime_max_concurrent_reconciles",
                  "Maximum number of concurrent reconciles per controller", {"controller"}),
      r.add_gauge("controller_runtime_active_workers", "Number of currently used workers per controller",
                  {"controller"}),
      r.add_gauge("workqueue_depth", "Current depth of workqueue", {"name"}),
      r.add_counter("workqueue_adds_total", "Total number of adds handled by workqueue", {"name"}),
      r.add_counter("workqueue_retries_total", "Total number of retries handled by workqueue", {"name"}),
      r.add_histogram("workqueue_queue_duration_seconds",
                      "How long in seconds an item stays in workqueue before being requested", {"name"},
                      queue_buckets),
      r.add_histogram("workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes.",
                      {"name"}, queue_buckets),
      r.add_gauge("workqueue_unfinished_work_seconds",
                  "How many seconds of work has been done that is in progress and hasn't been observed by "
                  "work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by "
                  "observing the rate at which this increases.",
                  {"name"}),
      r.add_gauge("workqueue_longest_running_processor_seconds",
                  "How many seconds has the longest running processor for workqueue been running.", {"name"}),
      r.add_counter("rest_client_requests_total", "Number of HTTP requests, partitioned by status code, method, and host.",
                    {"code", "method", "host"}),
      r.add_gauge("leader_election_master_status",
                  "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates "
                  "master. 'name' is the string used to identify the lease. Please make sure to group by name.",
                  {"name"}),
      r.add_gauge("habop_cache_objects", "Number of objects held in the operator's cache per kind", {"kind"}),
  };
}

}  // namespace habop::op
