// Metrics: exact Prometheus text exposition, number formatting, escaping, and the controller-runtime names.
#include <habop/operator/metrics.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace habop::op;

TEST_CASE("numbers print as client_golang prints them", "[metrics]") {
  CHECK(format_metric_value(0) == "0");
  CHECK(format_metric_value(1) == "1");
  CHECK(format_metric_value(-1) == "-1");
  CHECK(format_metric_value(42) == "42");
  CHECK(format_metric_value(0.005) == "0.005");
  CHECK(format_metric_value(0.0001) == "0.0001");
  CHECK(format_metric_value(0.00001) == "1e-05");
  CHECK(format_metric_value(1e-08) == "1e-08");
  CHECK(format_metric_value(100000) == "100000");
  CHECK(format_metric_value(1e6) == "1e+06");
  CHECK(format_metric_value(1234567) == "1.234567e+06");
  CHECK(format_metric_value(2.5) == "2.5");
  CHECK(format_metric_value(123.456) == "123.456");
  CHECK(format_metric_value(1e21) == "1e+21");
  CHECK(format_metric_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_metric_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_metric_value(std::nan("")) == "NaN");
}

TEST_CASE("exposition text is exact", "[metrics]") {
  registry r;
  auto& requests = r.add_counter("rest_client_requests_total", "Number of HTTP requests.", {"code", "method", "host"});
  auto& depth = r.add_gauge("workqueue_depth", "Current depth of workqueue", {"name"});
  auto& plain = r.add_gauge("up", "Help with a \\ backslash\nand a newline");
  auto& h = r.add_histogram("latency_seconds", "Latency.", {"controller"}, {0.1, 1, 0.5});
  auto& empty = r.add_counter("never_total", "Labelled, never incremented: not exposed.", {"x"});
  (void)empty;

  requests.inc({"200", "GET", "10.0.0.1:6443"});
  requests.inc({"200", "GET", "10.0.0.1:6443"});
  requests.inc({"409", "PUT", "10.0.0.1:6443"});
  requests.inc({"200", "GET"});  // Wrong arity: ignored.
  depth.set({"habitats"}, 3);
  plain.set({}, 1);
  h.observe({"habitat"}, 0.05);
  h.observe({"habitat"}, 0.5);  // `le` is inclusive.
  h.observe({"habitat"}, 7);
  h.observe({"say \"hi\"\n\\"}, 0.2);

  CHECK(r.expose() ==
        "# HELP latency_seconds Latency.\n"
        "# TYPE latency_seconds histogram\n"
        "latency_seconds_bucket{controller=\"habitat\",le=\"0.1\"} 1\n"
        "latency_seconds_bucket{controller=\"habitat\",le=\"0.5\"} 2\n"
        "latency_seconds_bucket{controller=\"habitat\",le=\"1\"} 2\n"
        "latency_seconds_bucket{controller=\"habitat\",le=\"+Inf\"} 3\n"
        "latency_seconds_sum{controller=\"habitat\"} 7.55\n"
        "latency_seconds_count{controller=\"habitat\"} 3\n"
        "latency_seconds_bucket{controller=\"say \\\"hi\\\"\\n\\\\\",le=\"0.1\"} 0\n"
        "latency_seconds_bucket{controller=\"say \\\"hi\\\"\\n\\\\\",le=\"0.5\"} 1\n"
        "latency_seconds_bucket{controller=\"say \\\"hi\\\"\\n\\\\\",le=\"1\"} 1\n"
        "latency_seconds_bucket{controller=\"say \\\"hi\\\"\\n\\\\\",le=\"+Inf\"} 1\n"
        "latency_seconds_sum{controller=\"say \\\"hi\\\"\\n\\\\\"} 0.2\n"
        "latency_seconds_count{controller=\"say \\\"hi\\\"\\n\\\\\"} 1\n"
        "# HELP rest_client_requests_total Number of HTTP requests.\n"
        "# TYPE rest_client_requests_total counter\n"
        "rest_client_requests_total{code=\"200\",host=\"10.0.0.1:6443\",method=\"GET\"} 2\n"
        "rest_client_requests_total{code=\"409\",host=\"10.0.0.1:6443\",method=\"PUT\"} 1\n"
        "# HELP up Help with a \\\\ backslash\\nand a newline\n"
        "# TYPE up gauge\n"
        "up 1\n"
        "# HELP workqueue_depth Current depth of workqueue\n"
        "# TYPE workqueue_depth gauge\n"
        "workqueue_depth{name=\"habitats\"} 3\n");
}

TEST_CASE("families without labels are exposed at zero; counters never go down", "[metrics]") {
  registry r;
  auto& c = r.add_counter("c_total", "C.");
  r.add_histogram("h_seconds", "H.", {}, {1});
  c.inc({}, -5);
  CHECK(c.value() == 0);
  CHECK(r.expose() ==
        "# HELP c_total C.\n# TYPE c_total counter\nc_total 0\n"
        "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
        "h_seconds_bucket{le=\"1\"} 0\nh_seconds_bucket{le=\"+Inf\"} 0\nh_seconds_sum 0\nh_seconds_count 0\n");
}

TEST_CASE("registering twice returns the same family; another type is never exposed", "[metrics]") {
  registry r;
  auto& a = r.add_counter("x_total", "X.", {"l"});
  auto& b = r.add_counter("x_total", "ignored", {"other"});
  CHECK(&a == &b);
  auto& g = r.add_gauge("x_total", "a gauge", {});
  g.set({}, 5);
  a.inc({"v"});
  CHECK(r.expose() == "# HELP x_total X.\n# TYPE x_total counter\nx_total{l=\"v\"} 1\n");
}

TEST_CASE("the operator's metrics carry controller-runtime's names", "[metrics]") {
  registry r;
  auto m = operator_metrics::register_in(r);
  auto again = operator_metrics::register_in(r);
  CHECK(&m.reconcile_total == &again.reconcile_total);
  m.reconcile_total.inc({"habitat", std::string(result_success)});
  m.reconcile_errors_total.inc({"habitat"});
  m.reconcile_time_seconds.observe({"habitat"}, 0.02);
  m.workqueue_depth.set({"habitats"}, 0);
  m.workqueue_adds_total.inc({"habitats"});
  m.workqueue_retries_total.inc({"habitats"});
  m.workqueue_queue_duration.observe({"habitats"}, 1e-6);
  m.workqueue_work_duration.observe({"habitats"}, 0.01);
  m.workqueue_unfinished_work.set({"habitats"}, 0);
  m.workqueue_longest_running.set({"habitats"}, 0);
  m.rest_client_requests_total.inc({"200", "GET", "h"});
  m.leader_election_master_status.set({"habitat-operator"}, 1);
  m.cache_objects.set({"Habitat"}, 1000);
  m.max_concurrent_reconciles.set({"habitat"}, 2);
  m.active_workers.set({"habitat"}, 0);
  auto text = r.expose();
  for (auto line : {"controller_runtime_reconcile_total{controller=\"habitat\",result=\"success\"} 1\n",
                    "controller_runtime_reconcile_errors_total{controller=\"habitat\"} 1\n",
                    "controller_runtime_reconcile_time_seconds_bucket{controller=\"habitat\",le=\"0.025\"} 1\n",
                    "controller_runtime_reconcile_time_seconds_bucket{controller=\"habitat\",le=\"60\"} 1\n",
                    "workqueue_depth{name=\"habitats\"} 0\n", "workqueue_adds_total{name=\"habitats\"} 1\n",
                    "workqueue_retries_total{name=\"habitats\"} 1\n",
                    "workqueue_queue_duration_seconds_bucket{name=\"habitats\",le=\"1e-08\"} 0\n",
                    "workqueue_queue_duration_seconds_bucket{name=\"habitats\",le=\"1e-07\"} 0\n",
                    "workqueue_queue_duration_seconds_bucket{name=\"habitats\",le=\"1e-06\"} 1\n",
                    // Go's float arithmetic in ExponentialBuckets gives this bound too: dashboards match exactly.
                    "workqueue_queue_duration_seconds_bucket{name=\"habitats\",le=\"9.999999999999999e-06\"} 1\n",
                    "workqueue_work_duration_seconds_count{name=\"habitats\"} 1\n",
                    "workqueue_unfinished_work_seconds{name=\"habitats\"} 0\n",
                    "workqueue_longest_running_processor_seconds{name=\"habitats\"} 0\n",
                    "rest_client_requests_total{code=\"200\",host=\"h\",method=\"GET\"} 1\n",
                    "leader_election_master_status{name=\"habitat-operator\"} 1\n",
                    "habop_cache_objects{kind=\"Habitat\"} 1000\n",
                    "controller_runtime_max_concurrent_reconciles{controller=\"habitat\"} 2\n",
                    "controller_runtime_active_workers{controller=\"habitat\"} 0\n"}) {
    INFO(line);
    CHECK(text.find(line) != std::string::npos);
  }
  CHECK(exponential_buckets(1, 2, 3) == std::vector<double>{1, 2, 4});
}
