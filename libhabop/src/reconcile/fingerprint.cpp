// The rendered-hash stamp: the inputs hash of a Habitat, and making, reading and checking stamps.
#include <habop/reconcile/fingerprint.hpp>

#include <habop/json/detail/find.hpp>
#include <habop/reconcile/detail/hash.hpp>
#include <habop/reconcile/owned.hpp>

namespace habop::reconcile {
using habop::json::detail::find_member;
namespace bj = boost::json;
using detail::combine;
using detail::hash_bytes;
using detail::hash_value;
using detail::mix;
using detail::t_string;

namespace {

constexpr std::size_t hex_digits = 16;

void put_hex(std::string& out, std::uint64_t h) {
  static constexpr char digits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) out += digits[(h >> (4 * i)) & 15];
}

}  // namespace

std::uint64_t inputs_hash(const bj::object& raw, const render::options& opts, stamped kind) {
  std::uint64_t h = combine(mix(render_version), static_cast<std::uint64_t>(kind));
  auto member = [](const bj::object* o, std::string_view key) {
    const bj::value* v = o ? find_member(*o, key) : nullptr;
    return v ? hash_value(*v) : 0;
  };
  const bj::value* m = find_member(raw, "metadata");
  const bj::object* meta = m && m->is_object() ? &m->get_object() : nullptr;
  for (std::string_view key : {"name", "namespace", "uid"}) h = combine(h, member(meta, key));
  if (kind == stamped::stateful_set) {
    h = combine(h, hash_bytes(opts.files_init_image, t_string));
    const bj::value* spec = find_member(raw, "spec");
    h = combine(h, member(spec && spec->is_object() ? &spec->get_object() : nullptr, "v1beta2"));
  }
  return h;
}

std::string make_stamp(std::uint64_t inputs, std::string_view observed) {
  std::string out;
  out.reserve(hex_digits + 1 + observed.size());
  put_hex(out, inputs);
  out += '-';
  out += observed;
  return out;
}

std::string make_stamp(std::uint64_t inputs, std::uint64_t observed) {
  std::string hex;
  hex.reserve(hex_digits);
  put_hex(hex, observed);
  return make_stamp(inputs, std::string_view(hex));
}

bool stamp_has_inputs(std::string_view stamp, std::uint64_t inputs) {
  if (stamp.size() <= hex_digits || stamp[hex_digits] != '-') return false;
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < hex_digits; ++i)
    if (stamp[i] != digits[(inputs >> (4 * (hex_digits - 1 - i))) & 15]) return false;
  return true;
}

std::string_view stamp_observed(std::string_view stamp) {
  if (stamp.size() <= hex_digits || stamp[hex_digits] != '-') return {};
  return stamp.substr(hex_digits + 1);
}

bool converged_by_stamp(const bj::object& observed, std::uint64_t inputs, std::optional<std::uint64_t> known_observed_hash) {
  const std::string_view stamp = rendered_hash_of(observed);
  if (!stamp_has_inputs(stamp, inputs)) return false;
  const std::string_view have = stamp_observed(stamp);
  if (have.size() != hex_digits) return false;
  const std::uint64_t h = known_observed_hash ? *known_observed_hash : observed_hash(observed);
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < hex_digits; ++i)
    if (have[i] != digits[(h >> (4 * (hex_digits - 1 - i))) & 15]) return false;
  return true;
}

void set_stamp(bj::object& o, std::string stamp) {
  bj::value& meta = o["metadata"];
  if (!meta.is_object()) meta = bj::object{};
  bj::value& annotations = meta.get_object()["annotations"];
  if (!annotations.is_object()) annotations = bj::object{};
  annotations.get_object()[annotation_rendered_hash] = std::move(stamp);
}

}  // namespace habop::reconcile
