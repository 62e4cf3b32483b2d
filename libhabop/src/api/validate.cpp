// validate(): the field table's constraints plus the rules it cannot express; and the ring name of a ring Secret.
#include <habop/api/validate.hpp>

#include <array>
#include <string_view>

#include <habop/api/detail/rules.hpp>
#include <habop/api/detail/table_check.hpp>
#include <habop/api/parse.hpp>
#include <habop/api/quantity.hpp>

namespace habop::api {
namespace detail {
namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, at most 63 characters: the name part of a label key.
bool is_label_name(std::string_view s) {
  if (s.empty() || s.size() > 63 || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  for (char c : s)
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// A lowercase RFC 1123 subdomain of at most 253 characters: the prefix of a label key.
bool is_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_label_key(std::string_view k) {
  const std::size_t slash = k.find('/');
  if (slash == std::string_view::npos) return is_label_name(k);
  return is_dns_subdomain(k.substr(0, slash)) && is_label_name(k.substr(slash + 1));
}

// `/a//b/` -> `/a/b`, so that equal directories compare equal.
std::string normalise(std::string_view path) {
  std::string out;
  for (char c : path)
    if (!(c == '/' && !out.empty() && out.back() == '/')) out += c;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// Whether `path` is the directory `parts` joined, or inside it (compared in place: the valid case allocates nothing).
bool at_or_inside(std::string_view path, const std::array<std::string_view, 3>& parts) {
  std::size_t n = 0;
  for (std::string_view p : parts) {
    if (path.substr(n, p.size()) != p) return false;
    n += p.size();
  }
  return path.size() == n || path[n] == '/';
}

void check_mount_path(const habitat& h, std::vector<field_cause>& out) {
  const auto& ps = *h.spec.persistent_storage;
  if (ps.mount_path.empty() || ps.mount_path.front() != '/') return;  // the table's pattern reports it
  constexpr const char* at = "spec.v1beta2.persistentStorage.mountPath";
  const std::string_view given = ps.mount_path;
  const bool normal = given.find("//") == std::string_view::npos && (given.size() == 1 || given.back() != '/');
  const std::string normalised = normal ? std::string() : normalise(given);
  const std::string_view path = normal ? given : std::string_view(normalised);
  if (path == "/") {
    out.push_back({at, "FieldValueInvalid", "invalid value \"/\": the volume cannot replace the root directory"});
    return;
  }
  // Where habop mounts the peer file, the ring key, user.toml and the service files (render/stateful_set.cpp).
  // They are reserved even when the feature is off, so that turning it on later cannot invalidate the Habitat.
  const std::string_view service = h.spec.service.name;
  const std::array<std::array<std::string_view, 3>, 4> reserved = {{{"/habitat-operator", "", ""},
                                                                    {"/hab/cache/keys", "", ""},
                                                                    {"/hab/user/", service, "/config"},
                                                                    {"/hab/svc/", service, "/files"}}};
  for (std::size_t i = 0; i < (service.empty() ? 2 : reserved.size()); ++i) {
    if (at_or_inside(path, reserved[i])) {
      const std::string r = std::string(reserved[i][0]) + std::string(reserved[i][1]) + std::string(reserved[i][2]);
      out.push_back({at, "FieldValueInvalid",
                     "invalid value " + quote(ps.mount_path) + ": collides with habop's own mount " + r +
                         "; use another directory, e.g. /hab/svc/<service>/data"});
      return;
    }
  }
}

}  // namespace

void check_rules(const habitat& h, std::vector<field_cause>& out) {
  if (h.spec.persistent_storage) {
    const std::string& size = h.spec.persistent_storage->size;
    if (quantity::is_valid(size) && !quantity::is_positive(size))
      out.push_back({"spec.v1beta2.persistentStorage.size", "FieldValueInvalid",
                     "invalid value " + quote(size) + ": must be greater than zero, e.g. 1Gi"});
    check_mount_path(h, out);
  }
  for (const auto& [key, value] : h.spec.node_selector) {
    if (!is_label_key(key))
      out.push_back({map_entry_path("spec.v1beta2.nodeSelector", key), "FieldValueInvalid",
                     "invalid label key " + quote(key) +
                         ": must be [prefix/]name, the name at most 63 letters, digits, '-', '_' and '.' starting "
                         "and ending with a letter or digit, the prefix a lowercase DNS subdomain"});
  }
}

std::vector<std::string_view> rule_descriptions() {
  return {
      "`spec.v1beta2.persistentStorage.size` is greater than zero.",
      "`spec.v1beta2.persistentStorage.mountPath` is not `/` and is not one of, or inside, habop's own mounts "
      "`/habitat-operator`, `/hab/cache/keys`, `/hab/user/<service>/config`, `/hab/svc/<service>/files`.",
      "`spec.v1beta2.nodeSelector` keys are label keys: `[prefix/]name`, the name at most 63 letters, digits, `-`, "
      "`_` and `.` starting and ending with a letter or digit, the optional prefix a lowercase DNS subdomain.",
      "`metadata.name` is required (the API server allows no `required` under `metadata`; `generateName` alone "
      "is not enough, the StatefulSet is named after the Habitat).",
      "`apiVersion` and `kind`, when present, are `habitat.sh/v1beta1` and `Habitat`.",
      "A missing or other `customVersion` is reported as `UnsupportedVersion`, not silently skipped as the "
      "original operator did.",
  };
}

}  // namespace detail

std::vector<field_cause> validate(const habitat& h) {
  std::vector<field_cause> out;
  detail::check_children(to_json(h), "", "", out, {"status"});
  detail::check_rules(h, out);
  return out;
}

std::optional<std::string> ring_name(std::string_view secret_name) {
  // `^([\w_-]+)-\d{14}$` (the original's ringKeyRegexp), scanned by hand.
  constexpr std::size_t revision = 14;
  if (secret_name.size() < revision + 2) return std::nullopt;
  const std::string_view name = secret_name.substr(0, secret_name.size() - revision - 1);
  const std::string_view rest = secret_name.substr(name.size());
  if (rest.front() != '-') return std::nullopt;
  for (char c : rest.substr(1))
    if (c < '0' || c > '9') return std::nullopt;
  for (char c : name)
    if (!detail::is_alnum(c) && c != '_' && c != '-') return std::nullopt;
  return std::string(name);
}

}  // namespace habop::api
