// kube-apiserver's RequestInfoFactory and authenticator groups: what an HTTP request asks for, in RBAC's terms.
#include <habop/fake_apiserver/rbac.hpp>

#include <cctype>

namespace habop::fake {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's url unescaping: `%XX` decoded (malformed escapes kept as they are); `+` is a space only in queries.
std::string unescape(std::string_view s, bool query) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else if (query && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// strings.Split(strings.Trim(path, "/"), "/"), with an empty path giving no parts.
std::vector<std::string> split_path(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::vector<std::string> parts;
  if (path.empty()) return parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

// The first value of `key` in a query string, if present.
std::optional<std::string> query_value(std::string_view query, std::string_view key) {
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(start, amp - start);
    const std::size_t eq = pair.find('=');
    const std::string k = unescape(pair.substr(0, eq), true);
    if (!pair.empty() && k == key) {
      return eq == std::string_view::npos ? std::string() : unescape(pair.substr(eq + 1), true);
    }
    start = amp + 1;
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// `fields.Selector.RequiresExactMatch("metadata.name")`: the value of a `metadata.name=` or `==` term.
std::optional<std::string> exact_name(std::string_view selector) {
  std::size_t start = 0;
  while (start <= selector.size()) {
    std::size_t comma = selector.find(',', start);
    if (comma == std::string_view::npos) comma = selector.size();
    std::string_view term = selector.substr(start, comma - start);
    for (std::string_view op : {std::string_view("=="), std::string_view("=")}) {
      const std::string_view field = "metadata.name";
      if (term.size() >= field.size() + op.size() && term.substr(0, field.size()) == field &&
          term.substr(field.size(), op.size()) == op && (op == "==" || term.substr(field.size(), 2) != "==")) {
        return std::string(term.substr(field.size() + op.size()));
      }
    }
    start = comma + 1;
  }
  return std::nullopt;
}

// apimachinery's path.IsValidPathSegmentName.
bool valid_path_segment(std::string_view name) {
  return name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('%') == std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

request_attributes resolve_request(std::string_view method, std::string_view target) {
  const std::size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  const std::string_view query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  request_attributes info;
  info.resource_request = false;
  info.path = unescape(raw_path, false);
  info.verb = lower(method);

  std::vector<std::string> parts = split_path(info.path);
  if (parts.size() < 3 || (parts[0] != "api" && parts[0] != "apis")) return info;
  const bool groupless = parts[0] == "api";
  parts.erase(parts.begin());
  if (!groupless) {
    if (parts.size() < 3) return info;
    info.api_group = parts[0];
    parts.erase(parts.begin());
  }
  info.resource_request = true;
  info.api_version = parts[0];
  parts.erase(parts.begin());

  // `/watch/...` and `/proxy/...` put the verb in the path.
  bool proxy = false;
  if (parts[0] == "watch" || parts[0] == "proxy") {
    if (parts.size() < 2) return info;
    info.verb = parts[0];
    proxy = parts[0] == "proxy";
    parts.erase(parts.begin());
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "GET" || method == "HEAD") {
    info.verb = "get";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = "delete";
  } else {
    info.verb = "";
  }

  // `/namespaces/<ns>/<resource>...`; `/namespaces/<ns>` and its status/finalize are the namespace itself.
  if (parts[0] == "namespaces") {
    if (parts.size() > 1) {
      info.ns = parts[1];
      if (parts.size() > 2 && parts[2] != "status" && parts[2] != "finalize") {
        parts.erase(parts.begin(), parts.begin() + 2);
      }
    }
  }
  if (parts.size() >= 3 && !proxy) info.subresource = parts[2];
  if (parts.size() >= 2) info.name = parts[1];
  info.resource = parts[0];

  if (info.name.empty() && info.verb == "get") {
    const std::optional<std::string> watch = query_value(query, "watch");
    const bool watching = watch && *watch != "0" && !iequals(*watch, "false");
    info.verb = watching ? "watch" : "list";
    if (const std::optional<std::string> selector = query_value(query, "fieldSelector")) {
      if (std::optional<std::string> name = exact_name(*selector); name && valid_path_segment(*name)) {
        info.name = std::move(*name);
      }
    }
  }
  if (info.name.empty() && info.verb == "delete") info.verb = "deletecollection";
  return info;
}

std::vector<std::string> default_groups(std::string_view user) {
  if (user == "system:anonymous") return {"system:unauthenticated"};
  constexpr std::string_view sa_prefix = "system:serviceaccount:";
  if (user.substr(0, sa_prefix.size()) == sa_prefix) {
    const std::string_view rest = user.substr(sa_prefix.size());
    const std::size_t colon = rest.find(':');
    if (colon != std::string_view::npos && colon > 0 && colon + 1 < rest.size()) {
      return {"system:serviceaccounts", "system:serviceaccounts:" + std::string(rest.substr(0, colon)),
              "system:authenticated"};
    }
  }
  return {"system:authenticated"};
}

}  // namespace habop::fake
