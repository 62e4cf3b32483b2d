// Printing objects for `kubectl apply -f -`: YAML documents or a pretty-printed JSON v1 List.
#include <habop/cli/manifest.hpp>

#include <boost/json/serialize.hpp>

#include <habop/json/codec.hpp>

namespace habop::cli {
namespace bj = boost::json;
namespace {

void pretty(std::string& out, const bj::value& v, int indent) {
  auto newline = [&](int n) {
    out += '\n';
    out.append(static_cast<std::size_t>(n), ' ');
  };
  if (v.is_object() && !v.get_object().empty()) {
    out += '{';
    bool first = true;
    for (const auto& kv : v.get_object()) {
      if (!first) out += ',';
      first = false;
      newline(indent + 2);
      out += bj::serialize(bj::value(kv.key()));
      out += ": ";
      pretty(out, kv.value(), indent + 2);
    }
    newline(indent);
    out += '}';
  } else if (v.is_array() && !v.get_array().empty()) {
    out += '[';
    bool first = true;
    for (const auto& item : v.get_array()) {
      if (!first) out += ',';
      first = false;
      newline(indent + 2);
      pretty(out, item, indent + 2);
    }
    newline(indent);
    out += ']';
  } else {
    out += bj::serialize(v);
  }
}

std::string pretty_json(const bj::value& v) {
  std::string out;
  pretty(out, v, 0);
  out += '\n';
  return out;
}

}  // namespace

std::string format_object(const bj::object& object, output_format f) {
  return f == output_format::yaml ? json::to_yaml(object) : pretty_json(object);
}

std::string format_objects(const std::vector<bj::object>& objects, output_format f) {
  if (f == output_format::json) {
    bj::array items;
    for (const bj::object& o : objects) items.push_back(o);
    bj::object list;
    list["apiVersion"] = "v1";
    list["kind"] = "List";
    list["items"] = std::move(items);
    return pretty_json(list);
  }
  std::string out;
  for (const bj::object& o : objects) {
    if (!out.empty()) out += "---\n";
    out += json::to_yaml(o);
  }
  return out;
}

}  // namespace habop::cli
