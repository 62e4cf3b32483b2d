// Manifests as the `habop` CLI sees them: documents read from YAML/JSON text, the Habitats among them, and what
// rendering and validating them gives. Pure functions over text, so tests call them without a process.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <habop/api/habitat.hpp>
#include <habop/core/error.hpp>
#include <habop/core/result.hpp>
#include <habop/json/codec.hpp>
#include <habop/render/render.hpp>

namespace habop::cli {

/// One document of a manifest. Items of a `kind: List` document are documents of their own.
struct document {
  std::string label;          ///< `metadata.name`, or `document <n>` (1-based) when it has none.
  boost::json::value value;   ///< A repeated key has its last value.
  std::vector<json::duplicate_field> duplicates;   ///< Keys repeated in it (paths relative to it).
  bool operator==(const document&) const = default;
};

/// Every document of a YAML or JSON stream, `kind: List` flattened, its numbers as kubectl sends them (a whole
/// float such as `3.0` is an integer); a 400 error saying where the text is malformed.
result<std::vector<document>> read_documents(std::string_view text);

/// The document's repeated keys as problems, each naming its path, its lines and the fix: kubectl (1.32) silently
/// applies only the last value, and kube-apiserver's strict decoding rejects a body that repeats one ("duplicate
/// field"), so a repeat is a mistake either way.
std::vector<field_cause> duplicate_causes(const document& d);

/// True for objects of kind `Habitat` (whatever their apiVersion: parsing reports a wrong one).
bool is_habitat(const boost::json::value& v);

/// `Kind/name` of a non-Habitat document, for "skipping" notes.
std::string describe_document(const document& d);

/// A Habitat document after parsing and validation: either a Habitat or every problem found.
struct checked_habitat {
  std::string label;
  std::optional<api::habitat> habitat;
  std::vector<field_cause> problems;   ///< Empty when `habitat` is set.
  std::string message;                 ///< The error's message when it has no field causes.
};

/// Parses and validates one Habitat document, collecting every problem (repeated keys first).
checked_habitat check_habitat(const document& d);

/// `<label>: <field>: <message>` lines, one per problem (or `<label>: <message>` without field causes).
std::vector<std::string> problem_lines(const checked_habitat& c);

struct render_settings {
  /// The owner UIDs of objects rendered offline are unknown (the API server assigns them), so by default owner
  /// references are left out; tests and callers with real UIDs in the manifest keep them.
  bool owner_references = false;
  render::options render;
};

/// What rendering a whole manifest gives: objects to apply, notes about skipped documents, problems.
struct rendered_manifest {
  std::vector<boost::json::object> objects;   ///< Empty when there are problems.
  std::vector<std::string> notes;             ///< `skipping v1/Secret user-toml: not a Habitat`.
  std::vector<std::string> problems;          ///< problem_lines of every invalid Habitat.
  std::size_t habitats = 0;                   ///< Habitat documents seen, valid or not.
};

/// Every object the operator would create for the manifest's Habitats in an empty cluster: one peer ConfigMap per
/// namespace and ring owned by all its Habitats, then each Habitat's Service and StatefulSet. Nothing is rendered
/// when any Habitat is invalid, so piping into `kubectl apply` never applies half a manifest.
rendered_manifest render_manifest(const std::vector<document>& docs, const render_settings& settings = {});

enum class output_format { yaml, json };

/// YAML documents separated by `---`, or one pretty-printed JSON `v1 List`; stable key order, ends with a newline.
std::string format_objects(const std::vector<boost::json::object>& objects, output_format f);

/// One object as YAML, or pretty-printed JSON; ends with a newline.
std::string format_object(const boost::json::object& object, output_format f);

}  // namespace habop::cli
