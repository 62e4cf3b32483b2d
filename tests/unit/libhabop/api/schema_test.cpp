// The field table is well formed, and the Markdown reference is rendered from all of it.
#include <habop/api/schema.hpp>

#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>
#include <vector>

namespace api = habop::api;

namespace {
std::string parent_of(std::string_view path) {
  if (path.ends_with("[]")) return std::string(path.substr(0, path.size() - 2));
  const auto dot = path.rfind('.');
  return dot == std::string_view::npos ? "" : std::string(path.substr(0, dot));
}
}  // namespace

TEST_CASE("every row's parent is an earlier object or array row") {
  std::set<std::string> seen;
  for (const auto& f : api::habitat_fields()) {
    INFO(f.path);
    const std::string parent = parent_of(f.path);
    if (!parent.empty()) {
      REQUIRE(seen.count(parent) == 1);
      const auto* p = api::find_field(parent);
      REQUIRE(p);
      if (f.path.ends_with("[]")) CHECK(p->type == api::field_type::array);
      else CHECK(p->type == api::field_type::object);
    }
    CHECK(seen.insert(std::string(f.path)).second);
    CHECK_FALSE(f.description.empty());
  }
}

TEST_CASE("every pattern compiles, is anchored, explained and bounded") {
  for (const auto& f : api::habitat_fields()) {
    if (f.pattern.empty()) continue;
    INFO(f.path);
    CHECK_NOTHROW(std::regex(std::string(f.pattern)));
    CHECK(f.pattern.starts_with("^"));
    CHECK_FALSE(api::pattern_help(f.pattern).empty());
    // The validator's std::regex recurses per character: every patterned string has a length bound.
    REQUIRE(f.max_length);
    CHECK(*f.max_length <= 4096);
  }
}

TEST_CASE("constraints only sit on types that have them") {
  for (const auto& f : api::habitat_fields()) {
    INFO(f.path);
    const bool stringish = f.type == api::field_type::string || f.type == api::field_type::string_map;
    if (!stringish) CHECK((f.pattern.empty() && f.enum_values.empty() && !f.max_length && !f.min_length));
    if (f.type != api::field_type::integer) CHECK((!f.minimum && !f.maximum));
    if (f.type != api::field_type::array) CHECK(f.list_map_key.empty());
    if (!f.list_map_key.empty()) {
      // A list-map key must be required in its items (an API server rule for x-kubernetes-list-map-keys).
      const auto* key = api::find_field(std::string(f.path) + "[]." + std::string(f.list_map_key));
      REQUIRE(key);
      CHECK(key->required);
    }
  }
}

TEST_CASE("the table covers every field of the original spec and habop's extensions") {
  for (const char* path :
       {"customVersion", "spec.v1beta2.count", "spec.v1beta2.image", "spec.v1beta2.env",
        "spec.v1beta2.persistentStorage.size", "spec.v1beta2.persistentStorage.mountPath",
        "spec.v1beta2.persistentStorage.storageClassName", "spec.v1beta2.service.name",
        "spec.v1beta2.service.topology", "spec.v1beta2.service.group", "spec.v1beta2.service.channel",
        "spec.v1beta2.service.configSecretName", "spec.v1beta2.service.ringSecretName",
        "spec.v1beta2.service.filesSecretName", "spec.v1beta2.service.bind[].name",
        "spec.v1beta2.service.bind[].service", "spec.v1beta2.service.bind[].group", "spec.v1beta2.updateStrategy",
        "spec.v1beta2.nodeSelector", "spec.v1beta2.tolerations", "spec.v1beta2.affinity", "spec.v1beta2.resources",
        "spec.v1beta2.serviceAccountName", "spec.v1beta2.securityContext", "spec.v1beta2.imagePullSecrets[].name",
        "status.conditions[].type"}) {
    INFO(path);
    CHECK(api::find_field(path));
  }
  CHECK_FALSE(api::find_field("spec.v1beta2.nope"));
}

TEST_CASE("the field reference lists every row with its constraints") {
  const std::string md = api::field_reference_markdown();
  CHECK(md.starts_with("# Habitat field reference\n"));
  for (const auto& f : api::habitat_fields()) {
    INFO(f.path);
    CHECK_THAT(md, Catch::Contains("| `" + std::string(f.path) + "` |"));
  }
  CHECK_THAT(md, Catch::Contains("| `spec.v1beta2.service.topology` | string | yes |  | one of `standalone` `leader` |"));
  CHECK_THAT(md, Catch::Contains("matches `^[^#@.]+$`"));
  CHECK_THAT(md, Catch::Contains("| `spec.v1beta2.count` | integer (int32) | no | 0 | ≥ 0; ≤ 2147483647 |"));
  CHECK_THAT(md, Catch::Contains("| `spec.v1beta2.image` | string | yes |  | not empty |"));
  CHECK_THAT(md, Catch::Contains("\n## Checked by habop only\n"));
  CHECK_THAT(md, Catch::Contains("\n- `spec.v1beta2.persistentStorage.size` is greater than zero.\n"));
  // A `|` inside a cell would end it early.
  CHECK_THAT(md, Catch::Contains("([KMGTPE]i\\|[numkMGTPE]\\|[eE][+-]?[0-9]+)"));
}

TEST_CASE("every pattern's hand-written matcher answers what std::regex_search answers") {
  // Every string of up to 3 characters over an alphabet that exercises each character class, plus longer ones.
  const std::string alphabet = std::string("aZ0-._/:#@+eKi ") + "\xc3";
  std::vector<std::string> inputs = {"", "example-encrypted-ring-20170829113029", "a-20170829113029",
                                     "-a-20170829113029", "a_b-20170829113029", "ring-2017082911302", "ring-201708291130299",
                                     "A-20170829113029", "a--20170829113029", "1.5Gi", "+.5e-3", "1e", "500Mi", "a.b.c",
                                     "a..b", "a.-b", "x@y", "/hab/svc", "HAB_LICENSE", "9x", "abc-", "-abc", "a.b-c.d"};
  std::vector<std::string> level = {""};
  for (int n = 0; n < 3; ++n) {
    std::vector<std::string> next;
    for (const auto& s : level)
      for (char c : alphabet) next.push_back(s + c);
    inputs.insert(inputs.end(), next.begin(), next.end());
    level = std::move(next);
  }
  std::set<std::string_view> seen;
  for (const auto& f : api::habitat_fields()) {
    if (f.pattern.empty() || !seen.insert(f.pattern).second) continue;
    const api::pattern_matcher match = api::matcher_for(f.pattern);
    REQUIRE(match != nullptr);
    const std::regex re(std::string(f.pattern), std::regex::ECMAScript);
    for (const auto& s : inputs) {
      INFO(f.pattern << " on \"" << s << "\"");
      CHECK(match(s) == std::regex_search(s, re));
    }
  }
}
