// `kubectl autoscale` and `get hpa`: autoscaling/v1 HorizontalPodAutoscalers, which the user guide suggests for
// Habitats and every real cluster serves.
#include "e2e_common.hpp"

TEST_CASE("kubectl autoscale creates a HorizontalPodAutoscaler that get hpa prints", "[e2e][kubectl][autoscale]") {
  auto c = habop::e2e::start_cluster("1.32", {"--simulate-workloads"});
  if (!c) return;
  c->ok({"apply", "-f", "-"}, habop::e2e::statefulset_yaml);
  CHECK(c->ok({"autoscale", "statefulset", "web", "--min=2", "--max=5", "--cpu-percent=50"}) ==
        "horizontalpodautoscaler.autoscaling/web autoscaled\n");
  const std::string hpa = c->ok({"get", "hpa"});
  INFO(hpa);
  CHECK(hpa.rfind("NAME   REFERENCE         TARGETS              MINPODS   MAXPODS   REPLICAS   AGE\n"
                  "web    StatefulSet/web   cpu: <unknown>/50%   2         5         0          ",
                  0) == 0);
  // Without --min and --cpu-percent, autoscaling/v1's defaults: one replica at least, 80% CPU.
  c->ok({"autoscale", "sts", "web", "--max=3", "--name=other"});
  CHECK(c->ok({"get", "hpa", "other", "-o", "jsonpath={.spec.minReplicas} {.spec.targetCPUUtilizationPercentage}"}) ==
        "1 80");
  CHECK(c->ok({"get", "all", "-o", "name"}).find("horizontalpodautoscaler.autoscaling/web\n") != std::string::npos);
  CHECK(c->ok({"delete", "hpa", "web"}) == "horizontalpodautoscaler.autoscaling \"web\" deleted\n");
}
