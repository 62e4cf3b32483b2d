// logfmt formatting (go-logfmt's quoting rules) with secret redaction applied before a line leaves this file.
#include <habop/operator/log.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace habop::op {
namespace {

constexpr std::string_view redacted = "[REDACTED]";

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool istarts(std::string_view s, std::size_t at, std::string_view prefix) {
  return s.size() - at >= prefix.size() && ieq(s.substr(at, prefix.size()), prefix);
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' ||
         c == '/' || c == '=';
}

/// Length of a valid UTF-8 sequence at `i`, 0 when invalid.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return 0;
  }
  return n;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (std::size_t i = 0; i < v.size();) {
    auto c = static_cast<unsigned char>(v[i]);
    if (c <= ' ' || c == '=' || c == '"' || c == 0x7f) return true;
    std::size_t n = utf8_len(v, i);
    if (n == 0) return true;
    i += n;
  }
  return false;
}

void quote_into(std::string& out, std::string_view v) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < v.size();) {
    auto c = static_cast<unsigned char>(v[i]);
    std::size_t n = utf8_len(v, i);
    if (n == 0) {
      out += "\\ufffd";  // Invalid UTF-8 becomes U+FFFD, as Go's quoting does.
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out.append(v.substr(i, n));
    }
    i += n;
  }
  out += '"';
}

void value_into(std::string& out, std::string_view v) {
  if (needs_quotes(v)) quote_into(out, v);
  else out += v;
}

void key_into(std::string& out, std::string_view k) {
  if (k.empty()) {
    out += '_';
    return;
  }
  for (char c : k) {
    auto u = static_cast<unsigned char>(c);
    out += (u <= ' ' || c == '=' || c == '"' || u == 0x7f) ? '_' : c;
  }
}

/// Whether `rest` starts with something shaped like a credential rather than a word of prose ("the bearer of bad
/// news"): a Bearer token of 8+ characters or containing a non-letter; a Basic credential that decodes to `user:pass`.
bool credential_follows(std::string_view rest, bool basic) {
  std::size_t n = 0;
  bool non_letter = false;
  while (n < rest.size() && token_char(rest[n])) {
    non_letter = non_letter || !std::isalpha(static_cast<unsigned char>(rest[n]));
    ++n;
  }
  if (n == 0) return false;
  if (!basic) return n >= 8 || non_letter;
  // Basic: base64 of `user:pass` (the decoded text contains a colon).
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : rest.substr(0, n)) {
    if (c == '=') break;
    auto v = alphabet.find(c);
    if (v == std::string_view::npos) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (((acc >> bits) & 0xff) == ':') return true;
    }
  }
  return false;
}

/// End of a JWT starting at `i` (three base64url segments, the first `eyJ`), or `i` when it is not one.
std::size_t jwt_end(std::string_view s, std::size_t i) {
  if (!s.substr(i).starts_with("eyJ")) return i;
  std::size_t j = i;
  int dots = 0;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == '_' || s[j] == '.')) {
    if (s[j] == '.') ++dots;
    ++j;
  }
  return dots >= 2 && j - i >= 20 ? j : i;
}

}  // namespace

std::string_view to_string(log_level level) {
  switch (level) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}

log_field::log_field(std::string_view k, double v) : key(k) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  value.assign(buf, r.ptr);
}

bool is_secret_key(std::string_view key) {
  // The last word decides: split on separators and at lower→upper camelCase boundaries.
  std::size_t end = key.size();
  while (end > 0 && !std::isalnum(static_cast<unsigned char>(key[end - 1]))) --end;
  std::size_t start = end;
  while (start > 0) {
    char c = key[start - 1];
    if (!std::isalnum(static_cast<unsigned char>(c))) break;
    if (start < end && std::isupper(static_cast<unsigned char>(key[start])) &&
        std::islower(static_cast<unsigned char>(c))) {
      break;
    }
    --start;
  }
  std::string_view word = key.substr(start, end - start);
  for (std::string_view s : {"token", "password", "passwd", "secret", "authorization", "credential", "credentials",
                             "apikey", "cookie"}) {
    if (ieq(word, s)) return true;
  }
  return false;
}

std::string scrub_secrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    bool boundary = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    // `Bearer <token>` / `Basic <base64>`: keep the scheme, hide the credential.
    if (boundary) {
      std::size_t scheme = istarts(text, i, "bearer ") ? 7 : istarts(text, i, "basic ") ? 6 : 0;
      if (scheme && credential_follows(text.substr(i + scheme), scheme == 6)) {
        out.append(text.substr(i, scheme));
        out += redacted;
        i += scheme;
        while (i < text.size() && token_char(text[i])) ++i;
        continue;
      }
      if (std::size_t j = jwt_end(text, i); j != i) {
        out += redacted;
        i = j;
        continue;
      }
    }
    // PEM private keys and Habitat secret key files: everything to the end of the text.
    if (text[i] == '-' && text.substr(i).starts_with("-----BEGIN") &&
        text.substr(i, 80).find("PRIVATE KEY") != std::string_view::npos) {
      out += redacted;
      break;
    }
    if (boundary && (text.substr(i).starts_with("SYM-SEC-1") || text.substr(i).starts_with("BOX-SEC-1") ||
                     text.substr(i).starts_with("SIG-SEC-1"))) {
      out += redacted;
      break;
    }
    out += text[i++];
  }
  return out;
}

std::string format_logfmt(instant ts, log_level level, std::string_view msg, std::span<const log_field> fields) {
  std::string out;
  out.reserve(64 + msg.size() + fields.size() * 24);
  out += "ts=";
  out += to_rfc3339_micro(ts);
  out += " level=";
  out += to_string(level);
  out += " msg=";
  value_into(out, scrub_secrets(msg));
  for (const auto& f : fields) {
    out += ' ';
    key_into(out, f.key);
    out += '=';
    if (is_secret_key(f.key)) out += redacted;
    else value_into(out, scrub_secrets(f.value));
  }
  return out;
}

logger::logger(log_sink sink, log_clock clock, log_level min_level, std::vector<log_field> context)
    : sink_(std::move(sink)), clock_(std::move(clock)), min_level_(min_level), context_(std::move(context)) {}

void logger::log(log_level level, std::string_view msg, std::initializer_list<log_field> fields) const {
  log(level, msg, std::span<const log_field>(fields.begin(), fields.size()));
}

void logger::log(log_level level, std::string_view msg, std::span<const log_field> fields) const {
  if (!enabled(level) || !sink_) return;
  std::vector<log_field> all;
  all.reserve(context_.size() + fields.size());
  all.insert(all.end(), context_.begin(), context_.end());
  all.insert(all.end(), fields.begin(), fields.end());
  sink_(format_logfmt(clock_ ? clock_() : instant{}, level, msg, all));
}

logger logger::with(std::initializer_list<log_field> fields) const {
  logger copy = *this;
  copy.context_.insert(copy.context_.end(), fields.begin(), fields.end());
  return copy;
}

}  // namespace habop::op
