// Small helpers shared by the operator e2e test files.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "operator_fixture.hpp"

namespace habop::test {

inline const fake::resource_key habitat_resource{"habitat.sh", "v1beta1", "habitats"};

/// A standalone Habitat manifest with `count` pods; `extra_service` lines are appended under `service:`.
inline std::string habitat_manifest(const std::string& name, int count, const std::string& extra_service = "") {
  return "apiVersion: habitat.sh/v1beta1\nkind: Habitat\nmetadata:\n  name: " + name +
         "\ncustomVersion: v1beta2\nspec:\n  v1beta2:\n    image: habitat/redis-hab\n    count: " +
         std::to_string(count) + "\n    service:\n      name: redis\n      topology: standalone\n" + extra_service;
}

/// Whether the Habitat's Ready condition is True.
inline bool habitat_ready(operator_cluster& c, const std::string& name, const std::string& ns = "default") {
  auto h = c.get(habitat_resource, ns, name);
  return h && condition_of(*h, "Ready").first == "True";
}

/// Whether the Habitat's Ready condition has the reason `reason` (`SecretNotFound`, `InvalidSpec`, ...).
inline bool ready_reason_is(operator_cluster& c, const std::string& name, const std::string& reason,
                            const std::string& ns = "default") {
  auto h = c.get(habitat_resource, ns, name);
  return h && condition_of(*h, "Ready").second == reason;
}

/// Starts an operator and waits for `/readyz`.
inline operator_process ready_operator(operator_cluster& c, const std::vector<std::string>& extra = {}) {
  std::string err;
  auto op = c.start_operator(extra, &err);
  INFO(err);
  REQUIRE(op.port != 0);
  REQUIRE(operator_cluster::eventually([&] { return op.get("/readyz") == "ok\n"; }, std::chrono::seconds(30)));
  return op;
}

}  // namespace habop::test
