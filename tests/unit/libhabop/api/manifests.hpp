// Test input for parse_habitat: YAML streams as `kubectl apply -f` sends them, and the repository's examples.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include <habop/json/codec.hpp>

namespace habop::test {

/// Every Habitat document of a YAML stream.
inline std::vector<boost::json::value> habitats_in(std::string_view yaml) {
  auto docs = json::parse_yaml_documents(yaml);
  REQUIRE(docs);
  std::vector<boost::json::value> out;
  for (auto& d : *docs)
    if (d.is_object() && d.get_object().if_contains("kind") && d.at("kind") == "Habitat") out.push_back(d);
  return out;
}

/// The single document of a YAML text.
inline boost::json::value yaml(std::string_view text) {
  auto docs = json::parse_yaml_documents(text);
  REQUIRE(docs);
  REQUIRE(docs->size() == 1);
  return (*docs)[0];
}

/// `examples/<name>/habitat.yml`: the original operator's scenarios, exactly as users apply them.
inline std::string example(std::string_view name) {
  const std::string path = std::string(HABOP_SOURCE_DIR) + "/examples/" + std::string(name) + "/habitat.yml";
  std::ifstream in(path);
  INFO(path);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace habop::test
