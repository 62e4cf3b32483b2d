// Test helper: an RBAC policy from YAML manifests, and request attributes for a user.
#pragma once

#include <string_view>

#include <catch2/catch.hpp>

#include <habop/fake_apiserver/rbac.hpp>
#include <habop/json/codec.hpp>

namespace habop::fake::testing {

inline rbac_policy policy(std::string_view yaml) {
  auto docs = habop::json::parse_yaml_documents(yaml);
  REQUIRE(docs);
  std::vector<boost::json::object> objects;
  for (const auto& d : *docs) objects.push_back(d.as_object());
  return policy_from_objects(objects);
}

/// `method target` as `user` (with the authenticators' default groups).
inline request_attributes as(std::string_view user, std::string_view method, std::string_view target) {
  request_attributes a = resolve_request(method, target);
  a.user = user;
  a.groups = default_groups(user);
  return a;
}

}  // namespace habop::fake::testing
