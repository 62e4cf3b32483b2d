// Bearer-token authentication for the fake-apiserver: which user a request comes from, as kube-apiserver's token
// authenticators decide it (no Asio or Beast).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <habop/core/result.hpp>
#include <habop/fake_apiserver/api_server.hpp>

namespace habop::fake::net {

/// The user the server's own token authenticates as (a superuser once RBAC is enforced).
inline constexpr std::string_view admin_user = "habop-admin";

/// The tokens a server accepts and the user each one stands for.
struct token_authenticator {
  std::string admin_token{};                    ///< Authenticates as `admin_user`.
  std::map<std::string, std::string> tokens{};  ///< Further tokens → users (`system:serviceaccount:<ns>:<name>`).
  bool anonymous = false;                       ///< Requests without credentials are `system:anonymous`.

  /// The user of a request, or nullopt for 401 Unauthorized: a known bearer token gives its user; a request without
  /// an Authorization header is `system:anonymous` when anonymous access is on or the path is public (health and
  /// version, as probes and the kubectl dispatcher expect); wrong credentials are always rejected, as KAS does.
  /// Tokens are compared in constant time.
  std::optional<std::string> authenticate(const request& req, std::string_view path) const;
};

/// Checks the extra tokens of a server configuration: non-empty tokens and user names, none equal to the admin
/// token, no user named `admin_user`; a 400 error names the offending `tokens` entry (never the token itself).
status validate_tokens(const std::map<std::string, std::string>& tokens, std::string_view admin_token);

/// The value of a request header (name matched case-insensitively); empty when absent.
std::string_view header(const request& req, std::string_view name);

}  // namespace habop::fake::net
