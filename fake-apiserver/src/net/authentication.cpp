// Bearer-token authentication for the fake-apiserver: the admin token, extra tokens per user, anonymous requests.
#include "authentication.hpp"

#include <algorithm>
#include <cctype>

namespace habop::fake::net {
namespace {

// Constant-time comparison, so response timing does not leak how much of a guessed token was right.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}

// Health and version stay readable without credentials, as probes and the kubectl dispatcher expect.
bool public_path(std::string_view path) {
  return path == "/healthz" || path == "/livez" || path == "/readyz" || path == "/version";
}

habop::error bad_tokens(const std::string& user, std::string message) {
  const std::string field = user.empty() ? std::string("tokens") : "tokens[user " + user + "]";
  return error{.code = 400, .reason = "BadRequest", .message = field + ": " + message,
               .causes = {field_cause{.field = field, .reason = "FieldValueInvalid", .message = message}}};
}

}  // namespace

std::string_view header(const request& req, std::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return {};
}

std::optional<std::string> token_authenticator::authenticate(const request& req, std::string_view path) const {
  const std::string_view auth = header(req, "Authorization");
  if (auth.empty()) {
    if (anonymous || public_path(path)) return std::string("system:anonymous");
    return std::nullopt;
  }
  constexpr std::string_view bearer = "Bearer ";
  if (auth.size() <= bearer.size() || auth.substr(0, bearer.size()) != bearer) return std::nullopt;
  const std::string_view presented = auth.substr(bearer.size());
  // Every token is compared, so the time taken does not tell which one (if any) matched.
  std::optional<std::string> user;
  if (same_secret(presented, admin_token)) user = std::string(admin_user);
  for (const auto& [token, name] : tokens) {
    if (same_secret(presented, token)) user = name;
  }
  return user;
}

status validate_tokens(const std::map<std::string, std::string>& tokens, std::string_view admin_token) {
  for (const auto& [token, user] : tokens) {
    if (user.empty()) return bad_tokens(user, "the user name must not be empty (use --token-user TOKEN=USER)");
    if (token.empty()) return bad_tokens(user, "the token must not be empty (use --token-user TOKEN=USER)");
    if (token == admin_token) return bad_tokens(user, "the token is the server's own --token; pick another one");
    if (user == admin_user) {
      return bad_tokens(user, "\"habop-admin\" is the server's own user (its --token); pick another name");
    }
    if (user.find_first_of("\r\n") != std::string::npos) return bad_tokens({}, "the user name must be one line");
  }
  return ok;
}

}  // namespace habop::fake::net
