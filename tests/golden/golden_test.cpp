// Golden tests: every example and every DESIGN §3 fix input, rendered by habop and compared with approved files.
#include <habop/cli/cli.hpp>

#include <catch2/catch.hpp>

#include <sstream>

#include <habop/cli/manifest.hpp>
#include <habop/json/codec.hpp>

#include "approval.hpp"

using namespace habop;

namespace {

const char* const examples[] = {"standalone", "leader",    "config",       "bind",       "bind-config",
                                "encrypted",  "env-vars",  "files-volume", "namespaced", "persisted"};

const char* const fixes[] = {"fix-shared-peer-config-maps", "fix-storage-class-omitted", "fix-extensions",
                             "fix-everything"};

std::string example_path(const std::string& name) {
  return std::string(HABOP_SOURCE_DIR) + "/examples/" + name + "/habitat.yml";
}

struct cli_output {
  int code = 0;
  std::string out, err;
};

cli_output run_cli(std::vector<std::string> args) {
  std::istringstream in;
  std::ostringstream out, err;
  const int code = cli::run(args, in, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("every example renders as approved", "[golden]") {
  for (const char* name : examples) {
    DYNAMIC_SECTION(name) {
      const cli_output r = run_cli({"render", "-f", example_path(name)});
      INFO(r.err);
      REQUIRE(r.code == cli::exit_ok);
      const golden::verdict v = golden::verify(name, r.out);
      INFO(v.report);
      CHECK(v.approved);
    }
  }
}

TEST_CASE("every example is valid", "[golden]") {
  for (const char* name : examples) {
    DYNAMIC_SECTION(name) {
      const cli_output r = run_cli({"validate", "-f", example_path(name)});
      INFO(r.out << r.err);
      CHECK(r.code == cli::exit_ok);
      CHECK(r.out.find(": valid\n") != std::string::npos);
    }
  }
}

TEST_CASE("examples' JSON output holds the same objects as their YAML output", "[golden]") {
  for (const char* name : examples) {
    DYNAMIC_SECTION(name) {
      const cli_output yaml = run_cli({"render", "-f", example_path(name)});
      const cli_output json = run_cli({"render", "-f", example_path(name), "-o", "json"});
      REQUIRE(json.code == cli::exit_ok);
      auto from_yaml = json::parse_yaml_documents(yaml.out);
      auto from_json = json::parse_json(json.out);
      REQUIRE(from_yaml);
      REQUIRE(from_json);
      CHECK(from_json->at("kind") == "List");
      boost::json::array items(from_yaml->begin(), from_yaml->end());
      CHECK(from_json->at("items") == boost::json::value(items));
    }
  }
}

TEST_CASE("every DESIGN fix input renders as approved, owner references included", "[golden]") {
  for (const char* name : fixes) {
    DYNAMIC_SECTION(name) {
      const auto text = golden::read_file(golden::golden_dir() + "/inputs/" + name + ".yaml");
      REQUIRE(text);
      auto docs = cli::read_documents(*text);
      REQUIRE(docs);
      cli::render_settings settings;
      settings.owner_references = true;
      const cli::rendered_manifest r = cli::render_manifest(*docs, settings);
      INFO((r.problems.empty() ? std::string() : r.problems.front()));
      REQUIRE(r.problems.empty());
      const golden::verdict v = golden::verify(name, cli::format_objects(r.objects, cli::output_format::yaml));
      INFO(v.report);
      CHECK(v.approved);
    }
  }
}
