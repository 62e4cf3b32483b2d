// Habitat values for render tests, built directly (no parsing) so render is tested on its own.
#pragma once

#include <string>

#include <boost/json/value.hpp>

#include <habop/api/habitat.hpp>

namespace habop::test {

/// A minimal valid standalone Habitat `name` in `ns` with a uid, one replica, image `habitat/redis-hab`.
inline api::habitat make_habitat(std::string name = "web", std::string ns = "prod") {
  api::habitat h;
  h.metadata.name = std::move(name);
  h.metadata.ns = std::move(ns);
  h.metadata.uid = "uid-" + h.metadata.name;
  h.custom_version = "v1beta2";
  h.spec.count = 1;
  h.spec.image = "habitat/redis-hab";
  h.spec.service.name = "redis";
  return h;
}

/// Follows a `/`-separated path through objects and arrays (array steps are indices); null when absent.
inline const boost::json::value* at(const boost::json::value& v, std::string_view path) {
  const boost::json::value* cur = &v;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view step = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (cur->is_object()) {
      cur = cur->get_object().if_contains(step);
    } else if (cur->is_array()) {
      const std::size_t i = std::stoul(std::string(step));
      cur = i < cur->get_array().size() ? &cur->get_array()[i] : nullptr;
    } else {
      cur = nullptr;
    }
    if (!cur) return nullptr;
  }
  return cur;
}

/// The element of array `arr` whose `name` is `name`; null when absent.
inline const boost::json::object* named(const boost::json::value* arr, std::string_view name) {
  if (!arr || !arr->is_array()) return nullptr;
  for (const auto& item : arr->get_array())
    if (item.is_object() && item.get_object().contains("name") && item.get_object().at("name") == boost::json::value(name))
      return &item.get_object();
  return nullptr;
}

}  // namespace habop::test
