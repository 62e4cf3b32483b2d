// Tests of the `habop` CLI run in-process: usage errors, exit codes, render/validate/crd output, bad input.
#include <habop/cli/cli.hpp>

#include <catch2/catch.hpp>

#include <sstream>

#include <habop/cli/manifest.hpp>
#include <habop/json/codec.hpp>

using namespace habop;

namespace {

struct cli_output {
  int code = 0;
  std::string out, err;
};

cli_output run_cli(std::vector<std::string> args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int code = cli::run(args, in, out, err);
  return {code, out.str(), err.str()};
}

// A Habitat manifest with the given `metadata` and `service` flow-mapping contents.
std::string habitat_yaml(const std::string& metadata, int count, const std::string& service) {
  return "\napiVersion: habitat.sh/v1beta1\nkind: Habitat\nmetadata: {" + metadata +
         "}\ncustomVersion: v1beta2\nspec:\n  v1beta2:\n    image: habitat/redis-hab\n    count: " +
         std::to_string(count) + "\n    service: {" + service + "}\n";
}

const std::string habitat_a = habitat_yaml("name: a, namespace: prod", 1, "name: redis, topology: standalone");
const std::string habitat_b = habitat_yaml("name: b, namespace: prod", 2, "name: redis, topology: leader");
const std::string invalid_habitat =
    habitat_yaml("name: broken", 1, "name: redis, topology: sideways, ringSecretName: no-revision");

const std::string secret = R"(
apiVersion: v1
kind: Secret
metadata: {name: user-toml}
data: {user.toml: cG9ydCA9IDY5OTkK}
)";

std::vector<boost::json::value> documents(const std::string& yaml) {
  auto docs = json::parse_yaml_documents(yaml);
  REQUIRE(docs);
  return *docs;
}

}  // namespace

TEST_CASE("usage errors exit 2 with a clear message", "[cli]") {
  CHECK(run_cli({}).code == cli::exit_usage);
  const auto unknown = run_cli({"frobnicate"});
  CHECK(unknown.code == cli::exit_usage);
  CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);
  CHECK(run_cli({"render"}).err.find("render needs -f FILE") != std::string::npos);
  CHECK(run_cli({"render"}).code == cli::exit_usage);
  CHECK(run_cli({"render", "-f", "-", "-o", "xml"}).code == cli::exit_usage);
  CHECK(run_cli({"render", "-f"}).code == cli::exit_usage);
  CHECK(run_cli({"render", "-f", "-", "--bogus"}).code == cli::exit_usage);
  CHECK(run_cli({"render", "-f", "-", "stray"}).code == cli::exit_usage);
  CHECK(run_cli({"render", "-x"}).err.find("unknown flag '-x'") != std::string::npos);
  CHECK(run_cli({"validate", "-f", "-", "-o", "json"}).code == cli::exit_usage);
  CHECK(run_cli({"crd", "-f", "x"}).code == cli::exit_usage);
  CHECK(run_cli({"crd", "-o", "toml"}).code == cli::exit_usage);
}

TEST_CASE("help is printed on request and exits 0", "[cli]") {
  for (auto args : std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
    const auto r = run_cli(args);
    CHECK(r.code == cli::exit_ok);
    CHECK(r.out.find("habop render") != std::string::npos);
  }
  const auto render_help = run_cli({"render", "--help"});
  CHECK(render_help.code == cli::exit_ok);
  CHECK(render_help.out.find("Owner references are omitted") != std::string::npos);
  CHECK(run_cli({"validate", "-h"}).out.find("<field path>") != std::string::npos);
  CHECK(run_cli({"crd", "--help"}).code == cli::exit_ok);
}

TEST_CASE("render prints a shared ConfigMap once, then each Service and StatefulSet", "[cli][render]") {
  const auto r = run_cli({"render", "-f", "-"}, habitat_a + "---" + secret + "---" + habitat_b);
  INFO(r.err);
  REQUIRE(r.code == cli::exit_ok);
  const auto docs = documents(r.out);
  REQUIRE(docs.size() == 5);
  std::vector<std::string> kinds;
  for (const auto& d : docs) kinds.push_back(std::string(d.at("kind").as_string()) + "/" + std::string(d.at("metadata").at("name").as_string()));
  CHECK(kinds == std::vector<std::string>{"ConfigMap/peer-watch-file", "Service/a", "StatefulSet/a", "Service/b",
                                          "StatefulSet/b"});
  for (const auto& d : docs) {
    CHECK_FALSE(d.at("metadata").as_object().contains("ownerReferences"));  // uids are unknown offline
    CHECK(d.at("metadata").at("namespace") == "prod");
  }
  CHECK(r.err.find("skipping v1/Secret user-toml: not a Habitat") != std::string::npos);
}

TEST_CASE("render -o json prints one v1 List", "[cli][render]") {
  const auto r = run_cli({"render", "--filename=-", "--output", "json"}, habitat_a);
  REQUIRE(r.code == cli::exit_ok);
  auto list = json::parse_json(r.out);
  REQUIRE(list);
  CHECK(list->at("apiVersion") == "v1");
  CHECK(list->at("kind") == "List");
  CHECK(list->at("items").as_array().size() == 3);
}

TEST_CASE("render reads JSON and kind: List documents", "[cli][render]") {
  auto a = documents(habitat_a).at(0);
  auto b = documents(habitat_b).at(0);
  const std::string list = json::to_json(boost::json::object{{"apiVersion", "v1"}, {"kind", "List"},
                                                             {"items", boost::json::array{a, b}}});
  const auto r = run_cli({"render", "-f-"}, list);
  INFO(r.err);
  REQUIRE(r.code == cli::exit_ok);
  CHECK(documents(r.out).size() == 5);
}

TEST_CASE("render prints nothing when a Habitat is invalid", "[cli][render]") {
  const auto r = run_cli({"render", "-f", "-"}, habitat_a + "---" + invalid_habitat);
  CHECK(r.code == cli::exit_failure);
  CHECK(r.out.empty());
  CHECK(r.err.find("broken: spec.v1beta2.service.topology: ") != std::string::npos);
  CHECK(r.err.find("broken: spec.v1beta2.service.ringSecretName: ") != std::string::npos);
}

TEST_CASE("render and validate fail on files without Habitats, unreadable files and malformed YAML", "[cli]") {
  for (const char* command : {"render", "validate"}) {
    const auto none = run_cli({command, "-f", "-"}, secret);
    CHECK(none.code == cli::exit_failure);
    CHECK(none.err.find("no Habitat found") != std::string::npos);
    const auto missing = run_cli({command, "-f", "/nonexistent/habitat.yml"});
    CHECK(missing.code == cli::exit_failure);
    CHECK(missing.err.find("cannot read /nonexistent/habitat.yml") != std::string::npos);
    const auto malformed = run_cli({command, "-f", "-"}, "kind: Habitat\n  metadata: [\n");
    CHECK(malformed.code == cli::exit_failure);
    CHECK(malformed.err.find("line") != std::string::npos);
  }
}

TEST_CASE("validate prints one line per problem or a valid line per Habitat", "[cli][validate]") {
  const auto ok = run_cli({"validate", "-f", "-"}, habitat_a + "---" + secret + "---" + habitat_b);
  CHECK(ok.code == cli::exit_ok);
  CHECK(ok.out == "a: valid\nb: valid\n");
  CHECK(ok.err.find("skipping v1/Secret user-toml") != std::string::npos);

  const auto bad = run_cli({"validate", "-f", "-"}, habitat_a + "---" + invalid_habitat);
  CHECK(bad.code == cli::exit_failure);
  CHECK(bad.out.rfind("a: valid\n", 0) == 0);
  CHECK(bad.out.find("broken: spec.v1beta2.service.topology: ") != std::string::npos);
  CHECK(bad.out.find("broken: spec.v1beta2.service.ringSecretName: ") != std::string::npos);
}

TEST_CASE("validate and render reject repeated fields, naming each with its lines and the fix", "[cli][validate]") {
  // kubectl 1.32 silently applies the last value; kube-apiserver's strict decoding rejects a repeat it receives.
  std::string twice = habitat_a;
  twice.replace(twice.find("    count: 1\n"), 13, "    count: 1\n    image: habitat/redis-hab:2\n");
  const std::string text = twice + "---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, "
                                   "metadata: {name: s, name: t}}\n";
  const auto r = run_cli({"validate", "-f", "-"}, text);
  CHECK(r.code == cli::exit_failure);
  INFO(r.out << r.err);
  CHECK(r.out.find("a: spec.v1beta2.image: duplicate field \"image\" at line 10 (first at line 8): kubectl silently "
                   "applies only the last value (kube-apiserver's strict decoding rejects the repeat); keep one of "
                   "them\n") != std::string::npos);
  CHECK(r.out.find("t: metadata.name: duplicate field \"name\" at line 16 (first at line 16)") != std::string::npos);
  CHECK(r.out.find("a: valid") == std::string::npos);
  const auto rendered = run_cli({"render", "-f", "-"}, text);
  CHECK(rendered.code == cli::exit_failure);
  CHECK(rendered.out.empty());
  CHECK(rendered.err.find("a: spec.v1beta2.image: duplicate field") != std::string::npos);
}

TEST_CASE("numbers read as kubectl sends them: a whole float is an integer, a fraction stays a number", "[cli]") {
  // kubectl turns YAML into JSON through Go's float64: `count: 3.0` reaches the API server as 3 and is accepted.
  for (const char* count : {"3.0", "3e0", "0.3e1"}) {
    std::string manifest = habitat_a;
    manifest.replace(manifest.find("count: 1"), 8, std::string("count: ") + count);
    INFO(manifest);
    const auto r = run_cli({"validate", "-f", "-"}, manifest);
    CHECK(r.out == "a: valid\n");
    auto docs = cli::read_documents(manifest);
    REQUIRE(docs);
    CHECK(docs->at(0).value.at("spec").at("v1beta2").at("count") == 3);
    CHECK(docs->at(0).value.at("spec").at("v1beta2").at("count").is_int64());
  }
  auto docs = cli::read_documents("a: 0.5\nb: [1.0e18, 1e19, -2.0]\n");
  REQUIRE(docs);
  const auto& o = docs->at(0).value.as_object();
  CHECK(o.at("a").is_double());
  CHECK(o.at("b").at(0) == 1'000'000'000'000'000'000);
  CHECK(o.at("b").at(1).is_double());   // past int64: the API server's decoder keeps a float too
  CHECK(o.at("b").at(2) == -2);
}

TEST_CASE("validate names documents without a name by position", "[cli][validate]") {
  const auto r = run_cli({"validate", "-f", "-"}, "kind: Habitat\napiVersion: habitat.sh/v1beta1\n");
  CHECK(r.code == cli::exit_failure);
  CHECK(r.out.rfind("document 1: ", 0) == 0);
}

TEST_CASE("hostile input never crashes the CLI", "[cli]") {
  const std::vector<std::string> inputs = {
      std::string("\xff\xfe\x00garbage", 10), "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "kind: Habitat",
      "kind: Habitat\nspec: 7\n", "kind: Habitat\nspec: {v1beta2: {count: 99999999999999999999}}\n",
      "kind: List\nitems: [1, {kind: Habitat}]\n", std::string(300, '[') + std::string(300, ']'), "- - - -\n"};
  for (const auto& text : inputs) {
    for (const char* command : {"render", "validate"}) {
      const auto r = run_cli({command, "-f", "-"}, text);
      CHECK((r.code == cli::exit_ok || r.code == cli::exit_failure));
      CHECK(r.err.find("internal error") == std::string::npos);
    }
  }
}

TEST_CASE("crd prints the CustomResourceDefinition in YAML or JSON", "[cli][crd]") {
  const auto yaml = run_cli({"crd"});
  REQUIRE(yaml.code == cli::exit_ok);
  const auto docs = documents(yaml.out);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].at("kind") == "CustomResourceDefinition");
  CHECK(docs[0].at("metadata").at("name") == "habitats.habitat.sh");
  const auto json_out = run_cli({"crd", "-o", "json"});
  REQUIRE(json_out.code == cli::exit_ok);
  auto parsed = json::parse_json(json_out.out);
  REQUIRE(parsed);
  CHECK(*parsed == docs[0]);
}

TEST_CASE("validate reports a Habitat with the wrong apiVersion", "[cli][validate]") {
  std::string wrong = habitat_a;
  wrong.replace(wrong.find("habitat.sh/v1beta1"), 18, "habitat.sh/v1beta2");
  const auto r = run_cli({"validate", "-f", "-"}, wrong);
  CHECK(r.code == cli::exit_failure);
  CHECK(r.out.rfind("a: apiVersion: ", 0) == 0);
}

TEST_CASE("render --files-init-image replaces the pinned copy-files image", "[cli][render]") {
  std::string with_files = habitat_a;
  with_files.replace(with_files.find("topology: standalone}"), 21, "topology: standalone, filesSecretName: files}");
  const auto r = run_cli({"render", "-f", "-", "--files-init-image", "mirror.example/busybox@sha256:1234"}, with_files);
  INFO(r.err);
  REQUIRE(r.code == cli::exit_ok);
  CHECK(r.out.find("image: mirror.example/busybox@sha256:1234\n") != std::string::npos);
  CHECK(run_cli({"render", "-f", "-"}, with_files).out.find("image: busybox:1.36.1\n") != std::string::npos);
}
