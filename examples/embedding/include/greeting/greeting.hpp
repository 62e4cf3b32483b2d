// A tiny controller of a `Greeting` custom resource built on habop's building blocks: it keeps one ConfigMap per
// Greeting holding the greeting text, and reports a Ready condition. Pure: objects in, HTTP request values out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include <habop/core/result.hpp>
#include <habop/core/time.hpp>
#include <habop/http/request.hpp>

namespace greeting {

/// `greetings.example.com`, version v1, namespaced, with a status subresource.
inline constexpr const char* api_version = "example.com/v1";

/// `spec` of a Greeting.
struct greeting_spec {
  std::string name;                  ///< Who is greeted (required, non-empty).
  std::string salutation = "Hello";  ///< How (optional).
  bool operator==(const greeting_spec&) const = default;
};

/// The CustomResourceDefinition for Greetings (structural schema, status subresource).
boost::json::object greeting_crd();

/// Reads and validates `spec`; a 422 `Invalid` error names every bad field (`spec.name: Required value`).
habop::result<greeting_spec> parse_spec(const boost::json::object& greeting);

/// The ConfigMap `<greeting>-greeting` a valid Greeting owns: `data.message` is `<salutation>, <name>!`.
boost::json::object render_config_map(const boost::json::object& greeting, const greeting_spec& spec);

/// Everything to send so that the cluster matches `greeting`: a POST of the ConfigMap when `config_map` is missing,
/// else a minimal merge patch of the fields the controller owns (none when they match), then a merge patch of the
/// Greeting's status when its Ready condition changes. Empty when converged.
std::vector<habop::http::request> reconcile(const boost::json::object& greeting,
                                            const std::optional<boost::json::object>& config_map, habop::instant now);

}  // namespace greeting
