// Structured logfmt logging, one line per action, with secrets redacted before anything reaches the sink.
#pragma once

#include <concepts>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <habop/core/time.hpp>

namespace habop::op {

enum class log_level { debug, info, warn, error };

/// `debug`, `info`, `warn`, `error`.
std::string_view to_string(log_level level);

/// One `key=value` pair. Numbers and bools are formatted on construction.
struct log_field {
  std::string key;
  std::string value;

  log_field() = default;
  log_field(std::string_view k, std::string_view v) : key(k), value(v) {}
  log_field(std::string_view k, const std::string& v) : key(k), value(v) {}
  log_field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  log_field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  log_field(std::string_view k, T v) : key(k), value(std::to_string(v)) {}
  log_field(std::string_view k, double v);
  bool operator==(const log_field&) const = default;
};

/// True for keys whose values are secret: the last word of the key (split at `_`, `-`, `.` and camelCase) is
/// token, password, passwd, secret, authorization, credential(s), apikey or cookie. So `token`, `bearerToken`,
/// `client_secret` are redacted, while `ringSecretName` (a name, not a secret) is not.
bool is_secret_key(std::string_view key);

/// Replaces secret-looking parts of a free-form string with `[REDACTED]`: `Bearer …`/`Basic …` credentials,
/// JWTs (`eyJ….….…`), PEM private keys, and Habitat key files (`SYM-SEC-1`, `BOX-SEC-1`, `SIG-SEC-1`).
std::string scrub_secrets(std::string_view text);

/// One logfmt line without the trailing newline: `ts=… level=info msg="…" k=v …`. Values are quoted when empty
/// (`k=""`, so the pair is visible) or when they contain a space, `=`, `"`, a control character or invalid UTF-8;
/// inside quotes, `"` and `\\` are backslash-escaped and control characters written as `\n`, `\r`, `\t` or
/// `\u00XX` (Go's rules; invalid UTF-8 becomes `\ufffd`). Keys are sanitised (invalid characters become `_`).
/// Secret keys' values become `[REDACTED]`; every other value and the message go through `scrub_secrets`.
std::string format_logfmt(instant ts, log_level level, std::string_view msg, std::span<const log_field> fields);

/// Receives finished lines (no newline); the runtime writes them to stderr.
using log_sink = std::function<void(std::string_view line)>;
/// Reads the time for `ts=`; the runtime passes the system clock, tests a virtual one.
using log_clock = std::function<instant()>;

/// A logger: level filter, context fields added to every line (e.g. `component=controller/v1beta2`).
class logger {
 public:
  logger(log_sink sink, log_clock clock, log_level min_level = log_level::info, std::vector<log_field> context = {});

  bool enabled(log_level level) const { return level >= min_level_; }
  void log(log_level level, std::string_view msg, std::initializer_list<log_field> fields = {}) const;
  void log(log_level level, std::string_view msg, std::span<const log_field> fields) const;
  void debug(std::string_view msg, std::initializer_list<log_field> fields = {}) const { log(log_level::debug, msg, fields); }
  void info(std::string_view msg, std::initializer_list<log_field> fields = {}) const { log(log_level::info, msg, fields); }
  void warn(std::string_view msg, std::initializer_list<log_field> fields = {}) const { log(log_level::warn, msg, fields); }
  void error(std::string_view msg, std::initializer_list<log_field> fields = {}) const { log(log_level::error, msg, fields); }
  /// A logger with more context fields, sharing the sink and clock.
  logger with(std::initializer_list<log_field> fields) const;
  void set_level(log_level level) { min_level_ = level; }

 private:
  log_sink sink_;
  log_clock clock_;
  log_level min_level_ = log_level::info;
  std::vector<log_field> context_;
};

}  // namespace habop::op
