// Label selectors (all operators) and field selectors (per-resource supported labels), parsed as KAS does.
#include "detail.hpp"

#include <algorithm>

namespace habop::fake {
namespace {

// Splits on commas that are not inside parentheses.
std::vector<std::string_view> split_top(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    else if (s[i] == ')') --depth;
    else if (s[i] == ',' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > 317) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/')) return false;
  return true;
}

bool valid_value(std::string_view v) {
  if (v.size() > 63) return false;
  for (char c : v)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

error selector_error(std::string_view text, std::string why) {
  return bad_request("unable to parse requirement: " + why + (text.empty() ? "" : " in \"" + std::string(text) + "\""));
}

}  // namespace

result<label_selector> parse_label_selector(std::string_view text) {
  label_selector sel;
  text = trim_blanks(text);
  if (text.empty()) return sel;
  for (auto raw : split_top(text)) {
    std::string_view part = trim_blanks(raw);
    if (part.empty()) return selector_error(text, "found '', expected: identifier");
    label_requirement req;
    using op = label_requirement::op;
    auto word_op = [&](std::string_view word, op o) -> std::optional<error> {
      auto pos = part.find(word);
      if (pos == std::string_view::npos) return error{};
      std::string_view key = trim_blanks(part.substr(0, pos));
      std::string_view rest = trim_blanks(part.substr(pos + word.size()));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')')
        return selector_error(text, "found '" + std::string(rest) + "', expected: '('");
      req.key = std::string(key);
      req.o = o;
      std::string_view inner = rest.substr(1, rest.size() - 2);
      for (auto v : split_top(inner)) {
        v = trim_blanks(v);
        if (!valid_value(v)) return selector_error(text, "invalid label value: \"" + std::string(v) + "\"");
        req.values.emplace_back(v);
      }
      return std::nullopt;
    };
    std::optional<error> e;
    if (part.front() == '!') {
      req.key = std::string(trim_blanks(part.substr(1)));
      req.o = op::not_exists;
    } else if (part.find(" notin ") != std::string_view::npos || part.find(" notin(") != std::string_view::npos) {
      e = word_op(" notin", op::notin);
    } else if (part.find(" in ") != std::string_view::npos || part.find(" in(") != std::string_view::npos) {
      e = word_op(" in", op::in);
    } else if (auto p = part.find("!="); p != std::string_view::npos) {
      req.key = std::string(trim_blanks(part.substr(0, p)));
      req.o = op::neq;
      req.values.emplace_back(trim_blanks(part.substr(p + 2)));
    } else if (auto p2 = part.find("=="); p2 != std::string_view::npos) {
      req.key = std::string(trim_blanks(part.substr(0, p2)));
      req.values.emplace_back(trim_blanks(part.substr(p2 + 2)));
    } else if (auto p3 = part.find('='); p3 != std::string_view::npos) {
      req.key = std::string(trim_blanks(part.substr(0, p3)));
      req.values.emplace_back(trim_blanks(part.substr(p3 + 1)));
    } else if (auto p4 = part.find_first_of("<>"); p4 != std::string_view::npos) {
      req.key = std::string(trim_blanks(part.substr(0, p4)));
      req.o = part[p4] == '<' ? op::lt : op::gt;
      std::string_view v = trim_blanks(part.substr(p4 + 1));
      if (!parse_integer<std::int64_t>(v)) return selector_error(text, "for 'Gt', 'Lt' operators, the value must be an integer");
      req.values.emplace_back(v);
    } else {
      req.key = std::string(part);
      req.o = op::exists;
    }
    if (e && !e->message.empty()) return *e;
    if (!valid_key(req.key)) return selector_error(text, "invalid label key \"" + req.key + "\"");
    for (const auto& v : req.values)
      if (!valid_value(v)) return selector_error(text, "invalid label value: \"" + v + "\"");
    sel.reqs.push_back(std::move(req));
  }
  return sel;
}

bool label_selector::matches(const bj::object& obj) const {
  if (reqs.empty()) return true;
  const bj::value* labels = find_path(obj, {"metadata", "labels"});
  const bj::object* lo = labels ? labels->if_object() : nullptr;
  for (const auto& r : reqs) {
    const bj::value* v = lo ? lo->if_contains(r.key) : nullptr;
    std::string_view val = v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
    const bool present = v != nullptr;
    using op = label_requirement::op;
    switch (r.o) {
      case op::eq: if (!present || val != r.values[0]) return false; break;
      case op::neq: if (present && val == r.values[0]) return false; break;
      case op::in: if (!present || std::find(r.values.begin(), r.values.end(), val) == r.values.end()) return false; break;
      case op::notin: if (present && std::find(r.values.begin(), r.values.end(), val) != r.values.end()) return false; break;
      case op::exists: if (!present) return false; break;
      case op::not_exists: if (present) return false; break;
      case op::gt:
      case op::lt: {
        if (!present) return false;
        auto a = parse_integer<std::int64_t>(val), b = parse_integer<std::int64_t>(r.values[0]);
        if (!a || !b) return false;
        if (r.o == op::gt ? !(*a > *b) : !(*a < *b)) return false;
        break;
      }
    }
  }
  return true;
}

result<field_selector> parse_field_selector(std::string_view text, const resource_type& t) {
  field_selector sel;
  text = trim_blanks(text);
  if (text.empty()) return sel;
  for (auto raw : split_top(text)) {
    std::string_view part = trim_blanks(raw);
    field_requirement req;
    std::size_t p = part.find("!=");
    std::size_t vlen = 2;
    if (p != std::string_view::npos) {
      req.negate = true;
    } else if ((p = part.find("==")) != std::string_view::npos) {
    } else if ((p = part.find('=')) != std::string_view::npos) {
      vlen = 1;
    } else {
      return bad_request("invalid selector: '" + std::string(text) + "'; can't understand '" + std::string(part) + "'");
    }
    req.field = std::string(trim_blanks(part.substr(0, p)));
    req.value = std::string(trim_blanks(part.substr(p + vlen)));
    bool supported = req.field == "metadata.name" || req.field == "metadata.namespace" ||
                     std::find(t.field_labels.begin(), t.field_labels.end(), req.field) != t.field_labels.end();
    if (!supported) return bad_request("field label not supported: " + req.field);
    // events.k8s.io labels are evaluated on the stored core/v1 shape.
    if (t.events_v1) {
      if (req.field.rfind("regarding.", 0) == 0) req.field = "involvedObject." + req.field.substr(10);
      else if (req.field == "reportingController") req.field = "reportingComponent";
      else if (req.field == "deprecatedSource") req.field = "source";
    }
    if (req.field == "source") req.field = "source.component";
    sel.reqs.push_back(std::move(req));
  }
  return sel;
}

bool field_selector::matches(const bj::object& obj) const {
  for (const auto& r : reqs) {
    const bj::object* cur = &obj;
    const bj::value* v = nullptr;
    std::string_view path = r.field;
    while (cur) {
      auto dot = path.find('.');
      std::string_view key = path.substr(0, dot);
      v = cur->if_contains(key);
      if (!v || dot == std::string_view::npos) break;
      path = path.substr(dot + 1);
      cur = v->if_object();
      if (!cur) v = nullptr;
    }
    std::string actual;
    if (v) {
      if (v->is_string()) actual = std::string(v->get_string());
      else if (v->is_bool()) actual = v->get_bool() ? "true" : "false";
      else if (!v->is_null()) actual = serialize(*v);
    }
    if ((actual == r.value) == r.negate) return false;
  }
  return true;
}

}  // namespace habop::fake
