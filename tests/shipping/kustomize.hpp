// Test helper: renders a deploy/ overlay with `kubectl kustomize` and parses the objects.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <catch2/catch.hpp>

#include <habop/json/codec.hpp>

#include "golden.hpp"

namespace habop::shipping {

/// Runs a command and returns its standard output; REQUIREs exit status 0.
inline std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int status = ::pclose(pipe);
  INFO(command);
  REQUIRE(status == 0);
  return out;
}

/// `kubectl kustomize deploy/overlays/<overlay>`, as YAML text.
inline std::string kustomize_yaml(const std::string& overlay) {
  return run_command("kubectl kustomize " + source_path("deploy/overlays/" + overlay));
}

/// The objects of `kubectl kustomize deploy/overlays/<overlay>`.
inline std::vector<boost::json::object> kustomize(const std::string& overlay) {
  auto docs = habop::json::parse_yaml_documents(kustomize_yaml(overlay));
  REQUIRE(docs);
  std::vector<boost::json::object> objects;
  for (const auto& d : *docs) {
    REQUIRE(d.is_object());
    objects.push_back(d.as_object());
  }
  return objects;
}

/// The first object of `kind` named `name`; fails the test when there is none.
inline const boost::json::object& find_object(const std::vector<boost::json::object>& objects, std::string_view kind,
                                              std::string_view name) {
  for (const auto& o : objects) {
    const boost::json::value& k = o.at("kind");
    const boost::json::value& n = o.at("metadata").at("name");
    if (k.is_string() && k.get_string() == kind && n.is_string() && n.get_string() == name) return o;
  }
  FAIL("no " << kind << " " << name << " in the kustomize output");
  throw;  // unreachable: FAIL throws
}

}  // namespace habop::shipping
