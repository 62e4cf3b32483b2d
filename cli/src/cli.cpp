// `habop` commands: argument parsing, help texts, reading the input file, and exit codes.
#include <habop/cli/cli.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include <habop/api/crd.hpp>
#include <habop/cli/manifest.hpp>
#include <habop/core/error.hpp>

namespace habop::cli {
namespace {

constexpr const char* main_help = R"(habop: offline tools for Habitat manifests (habitat.sh/v1beta1, v1beta2 spec).

Usage:
  habop render   -f FILE [-o yaml|json]   print the objects the operator would create for FILE's Habitats
  habop validate -f FILE                  explain what is wrong with FILE's Habitats
  habop crd      [-o yaml|json]           print the Habitat CustomResourceDefinition
  habop <command> --help                  help for one command

FILE may hold several YAML or JSON documents (and `kind: List`); `-` reads standard input.
Exit status: 0 success, 1 invalid manifest or unreadable file, 2 bad usage.
)";

constexpr const char* render_help = R"(Usage: habop render -f FILE [-o yaml|json] [--files-init-image IMAGE]

Prints every object the habop operator would create for the Habitats in FILE in an empty cluster, ready for
`kubectl apply -f -`: one peer ConfigMap per namespace and ring (no seeds yet), then for each Habitat its
headless Service and its StatefulSet. YAML documents are separated by `---`; `-o json` prints one `v1 List`.

Documents that are not Habitats (Secrets, Namespaces, Services in the same file) are skipped, with a note on
standard error. When any Habitat is invalid nothing is printed: the problems go to standard error and the exit
status is 1.

Owner references are omitted: a Habitat's uid only exists once the API server has stored it, so objects
rendered offline cannot name their owner. Objects applied from this output are therefore not garbage-collected
with their Habitat; apply the Habitat itself and let the operator create them when you want that.
Objects keep the Habitat's metadata.namespace; without one they go to kubectl's current namespace.

Options:
  -f, --filename FILE       manifest to read (`-` for standard input)
  -o, --output yaml|json    output format (default yaml)
  --files-init-image IMAGE  image of the `copy-files` init container (default busybox:1.36.1)
)";

constexpr const char* validate_help = R"(Usage: habop validate -f FILE

Parses and validates every Habitat in FILE and prints, for each, either `<name>: valid` or one line per
problem: `<name>: <field path>: <message>`. Documents without a name are called `document <n>`. Other kinds
are skipped with a note on standard error. A field repeated in one mapping is a problem in any document (kubectl
would silently apply only its last value). Exit status 1 when any document has a problem or no Habitat is found.

Options:
  -f, --filename FILE   manifest to read (`-` for standard input)
)";

constexpr const char* crd_help = R"(Usage: habop crd [-o yaml|json]

Prints the CustomResourceDefinition habitats.habitat.sh (apiextensions.k8s.io/v1) with its structural schema,
status subresource and printer columns, e.g. `habop crd | kubectl apply -f -`.

Options:
  -o, --output yaml|json   output format (default yaml)
)";

struct flags {
  std::optional<std::string> file;
  std::optional<std::string> output;
  std::optional<std::string> files_init_image;
  bool help = false;
};

struct usage_error {
  std::string message;
};

// Parses `-f X`, `-fX`, `--filename X`, `--filename=X` and the same for -o/--output; `allowed` lists the long
// names a command accepts.
std::optional<usage_error> parse_flags(const std::vector<std::string>& args, std::size_t from,
                                       const std::vector<std::string>& allowed, flags& out) {
  auto allows = [&](const std::string& n) { return std::find(allowed.begin(), allowed.end(), n) != allowed.end(); };
  for (std::size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    std::string name, value;
    bool has_value = false;
    if (a.rfind("--", 0) == 0) {
      const auto eq = a.find('=');
      name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
        has_value = true;
      }
    } else if (a.size() >= 2 && a[0] == '-' && (a[1] == 'f' || a[1] == 'o')) {
      name = a[1] == 'f' ? "filename" : "output";
      if (a.size() > 2) {
        value = a.substr(a[2] == '=' ? 3 : 2);
        has_value = true;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error{"unknown flag '" + a + "'"};
    } else {
      return usage_error{"unexpected argument '" + a + "'"};
    }
    if (!allows(name)) return usage_error{"unknown flag '" + a + "'"};
    if (!has_value) {
      if (i + 1 >= args.size()) return usage_error{"flag '" + a + "' needs a value"};
      value = args[++i];
    }
    if (name == "filename") out.file = value;
    else if (name == "output") out.output = value;
    else out.files_init_image = value;
  }
  return std::nullopt;
}

int usage(std::ostream& err, const std::string& message, const char* command) {
  err << "habop: " << message << "\nRun 'habop " << (command ? std::string(command) + " " : "")
      << "--help' for usage.\n";
  return exit_usage;
}

std::optional<output_format> format_of(const std::optional<std::string>& o) {
  if (!o || *o == "yaml") return output_format::yaml;
  if (*o == "json") return output_format::json;
  return std::nullopt;
}

// Reads FILE or standard input; nullopt after reporting why on `err`.
std::optional<std::string> read_input(const std::string& file, std::istream& in, std::ostream& err) {
  if (file == "-") return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    err << "habop: cannot read " << file << "\n";
    return std::nullopt;
  }
  std::ostringstream text;
  text << f.rdbuf();
  if (f.bad()) {
    err << "habop: cannot read " << file << "\n";
    return std::nullopt;
  }
  return text.str();
}

std::optional<std::vector<document>> load(const std::string& file, std::istream& in, std::ostream& err) {
  auto text = read_input(file, in, err);
  if (!text) return std::nullopt;
  auto docs = read_documents(*text);
  if (!docs) {
    err << "habop: " << (file == "-" ? "standard input" : file) << ": " << docs.error().message << "\n";
    return std::nullopt;
  }
  return std::move(*docs);
}

int render_command(const flags& f, std::istream& in, std::ostream& out, std::ostream& err) {
  if (!f.file) return usage(err, "render needs -f FILE", "render");
  const auto format = format_of(f.output);
  if (!format) return usage(err, "unknown output format '" + *f.output + "' (use yaml or json)", "render");
  auto docs = load(*f.file, in, err);
  if (!docs) return exit_failure;
  render_settings settings;
  if (f.files_init_image) settings.render.files_init_image = *f.files_init_image;
  const rendered_manifest r = render_manifest(*docs, settings);
  for (const std::string& note : r.notes) err << "habop: " << note << "\n";
  for (const std::string& problem : r.problems) err << problem << "\n";
  if (!r.problems.empty()) {
    err << "habop: nothing rendered: the manifest has invalid Habitats\n";
    return exit_failure;
  }
  if (r.habitats == 0) {
    err << "habop: no Habitat found in " << *f.file << "\n";
    return exit_failure;
  }
  out << format_objects(r.objects, *format);
  return exit_ok;
}

int validate_command(const flags& f, std::istream& in, std::ostream& out, std::ostream& err) {
  if (!f.file) return usage(err, "validate needs -f FILE", "validate");
  if (f.output) return usage(err, "validate has no -o flag", "validate");
  auto docs = load(*f.file, in, err);
  if (!docs) return exit_failure;
  std::size_t habitats = 0;
  bool all_valid = true;
  for (const document& d : *docs) {
    if (!is_habitat(d.value)) {
      // A repeated field is a mistake in any document: kubectl would apply only its last value.
      const checked_habitat repeated{d.label, std::nullopt, duplicate_causes(d), ""};
      if (!repeated.problems.empty()) {
        for (const std::string& line : problem_lines(repeated)) out << line << "\n";
        all_valid = false;
      }
      err << "habop: skipping " << describe_document(d) << ": not a Habitat\n";
      continue;
    }
    ++habitats;
    const checked_habitat c = check_habitat(d);
    if (c.habitat) {
      out << c.label << ": valid\n";
      continue;
    }
    all_valid = false;
    for (const std::string& line : problem_lines(c)) out << line << "\n";
  }
  if (habitats == 0) {
    err << "habop: no Habitat found in " << *f.file << "\n";
    return exit_failure;
  }
  return all_valid ? exit_ok : exit_failure;
}

int crd_command(const flags& f, std::ostream& out, std::ostream& err) {
  if (f.file) return usage(err, "crd reads no file", "crd");
  const auto format = format_of(f.output);
  if (!format) return usage(err, "unknown output format '" + *f.output + "' (use yaml or json)", "crd");
  out << format_object(api::habitat_crd(), *format);
  return exit_ok;
}

int dispatch(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << main_help;
    return exit_usage;
  }
  const std::string& command = args[0];
  if (command == "-h" || command == "--help" || command == "help") {
    out << main_help;
    return exit_ok;
  }
  struct spec {
    const char* name;
    const char* help;
    std::vector<std::string> flags;
  };
  static const spec specs[] = {{"render", render_help, {"filename", "output", "files-init-image"}},
                               {"validate", validate_help, {"filename", "output"}},
                               {"crd", crd_help, {"output", "filename"}}};
  for (const spec& s : specs) {
    if (command != s.name) continue;
    flags f;
    if (auto bad = parse_flags(args, 1, s.flags, f)) return usage(err, bad->message, s.name);
    if (f.help) {
      out << s.help;
      return exit_ok;
    }
    if (command == "render") return render_command(f, in, out, err);
    if (command == "validate") return validate_command(f, in, out, err);
    return crd_command(f, out, err);
  }
  return usage(err, "unknown command '" + command + "'", nullptr);
}

}  // namespace

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
  try {
    return dispatch(args, in, out, err);
  } catch (const std::exception& e) {
    // Nothing below is expected to throw on bad input; this only keeps a bug from becoming a crash.
    err << "habop: internal error: " << e.what() << "\n";
    return exit_failure;
  }
}

}  // namespace habop::cli
