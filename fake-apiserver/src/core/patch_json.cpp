// JSON patch (RFC 6902): add, remove, replace, move, copy, test over JSON pointers with ~0/~1 escapes.
#include "detail.hpp"

#include <charconv>

namespace habop::fake {
namespace {

error fail(std::string m) { return error{422, "Invalid", std::move(m), {}}; }

result<std::vector<std::string>> split_pointer(std::string_view p) {
  std::vector<std::string> out;
  if (p.empty()) return out;
  if (p.front() != '/') return fail("invalid JSON pointer: " + std::string(p));
  p.remove_prefix(1);
  while (true) {
    auto slash = p.find('/');
    std::string_view raw = p.substr(0, slash);
    std::string tok;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        tok += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        tok += raw[i];
      }
    }
    out.push_back(std::move(tok));
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return out;
}

std::optional<std::size_t> index_of(const std::string& tok, std::size_t size, bool allow_end) {
  if (tok == "-" && allow_end) return size;
  std::size_t i = 0;
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), i);
  if (ec != std::errc() || p != tok.data() + tok.size() || tok.empty() || (tok.size() > 1 && tok[0] == '0')) return std::nullopt;
  if (i > size || (!allow_end && i == size)) return std::nullopt;
  return i;
}

// Resolves all but the last token; returns the parent container.
result<bj::value*> parent_of(bj::value& doc, const std::vector<std::string>& toks, const std::string& path) {
  bj::value* cur = &doc;
  for (std::size_t i = 0; i + 1 < toks.size(); ++i) {
    if (auto* o = cur->if_object()) {
      auto it = o->find(toks[i]);
      if (it == o->end()) return fail("doc is missing path: \"" + path + "\": missing value");
      cur = &it->value();
    } else if (auto* a = cur->if_array()) {
      auto idx = index_of(toks[i], a->size(), false);
      if (!idx) return fail("doc is missing path: \"" + path + "\": missing value");
      cur = &(*a)[*idx];
    } else {
      return fail("doc is missing path: \"" + path + "\": missing value");
    }
  }
  return cur;
}

result<bj::value> get_at(bj::value& doc, const std::string& path) {
  auto toks = split_pointer(path);
  if (!toks) return std::move(toks).error();
  if (toks->empty()) return doc;
  auto par = parent_of(doc, *toks, path);
  if (!par) return std::move(par).error();
  if (auto* o = (*par)->if_object()) {
    auto it = o->find(toks->back());
    if (it != o->end()) return it->value();
  } else if (auto* a = (*par)->if_array()) {
    if (auto idx = index_of(toks->back(), a->size(), false)) return (*a)[*idx];
  }
  return fail("doc is missing path: \"" + path + "\": missing value");
}

habop::status remove_at(bj::value& doc, const std::string& path) {
  auto toks = split_pointer(path);
  if (!toks) return std::move(toks).error();
  if (toks->empty()) return fail("cannot remove the whole document");
  auto par = parent_of(doc, *toks, path);
  if (!par) return std::move(par).error();
  if (auto* o = (*par)->if_object()) {
    if (o->erase(toks->back()) == 0) return fail("unable to remove nonexistent key: " + toks->back() + ": missing value");
    return habop::ok;
  }
  if (auto* a = (*par)->if_array()) {
    auto idx = index_of(toks->back(), a->size(), false);
    if (!idx) return fail("Unable to remove index out of bounds: " + path);
    a->erase(a->begin() + static_cast<std::ptrdiff_t>(*idx));
    return habop::ok;
  }
  return fail("doc is missing path: \"" + path + "\": missing value");
}

habop::status add_at(bj::value& doc, const std::string& path, bj::value v, bool replace) {
  auto toks = split_pointer(path);
  if (!toks) return std::move(toks).error();
  if (toks->empty()) {
    doc = std::move(v);
    return habop::ok;
  }
  auto par = parent_of(doc, *toks, path);
  if (!par) return std::move(par).error();
  if (auto* o = (*par)->if_object()) {
    if (replace && !o->contains(toks->back()))
      return fail("replace operation does not apply: doc is missing key: " + path + ": missing value");
    (*o)[toks->back()] = std::move(v);
    return habop::ok;
  }
  if (auto* a = (*par)->if_array()) {
    auto idx = index_of(toks->back(), a->size(), !replace);
    if (!idx) return fail("add operation does not apply: doc is missing path: \"" + path + "\": missing value");
    if (replace) (*a)[*idx] = std::move(v);
    else a->insert(a->begin() + static_cast<std::ptrdiff_t>(*idx), std::move(v));
    return habop::ok;
  }
  return fail("doc is missing path: \"" + path + "\": missing value");
}

}  // namespace

result<bj::value> json_patch_apply(bj::value doc, const bj::value& patch) {
  if (!patch.is_array()) return error{400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch", {}};
  // Copies can double the document each time: bound the bytes copied like KAS bounds patch results.
  std::size_t copied = 0;
  constexpr std::size_t max_copied = 16 * 1024 * 1024;
  for (const auto& opv : patch.get_array()) {
    const bj::object* op = opv.if_object();
    if (!op) return fail("invalid JSON patch operation");
    std::string kind = string_at(*op, {"op"});
    std::string path = string_at(*op, {"path"});
    if (!op->contains("path")) return fail("operation missing path");
    const bj::value* value = op->if_contains("value");
    habop::status st = habop::ok;
    if (kind == "add" || kind == "replace") {
      if (!value) return fail(kind + " operation missing value");
      st = add_at(doc, path, *value, kind == "replace");
    } else if (kind == "remove") {
      st = remove_at(doc, path);
    } else if (kind == "move" || kind == "copy") {
      std::string from = string_at(*op, {"from"});
      auto v = get_at(doc, from);
      if (!v) return std::move(v).error();
      if (kind == "copy") {
        copied += serialize(*v).size();
        if (copied > max_copied) return fail("the JSON patch copies too much data");
      }
      if (kind == "move") {
        if (path.rfind(from + "/", 0) == 0) return fail("move operation cannot move a value into one of its children");
        st = remove_at(doc, from);
      }
      if (st) st = add_at(doc, path, std::move(*v), false);
    } else if (kind == "test") {
      if (!value) return fail("test operation missing value");
      auto v = get_at(doc, path);
      if (!v || *v != *value) return fail("testing value " + path + " failed: test failed");
    } else {
      return fail("Unexpected kind: " + kind);
    }
    if (!st) return std::move(st).error();
  }
  return doc;
}

}  // namespace habop::fake
