// zlib raw deflate/inflate with a preset dictionary; the streams are reset, not rebuilt, between objects.
#include <habop/operator/packed_json.hpp>

#include <algorithm>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <zlib.h>

namespace habop::op {
namespace {

// 4 KB window and memLevel 5: ~40 KB of zlib state in all instead of ~300 KB; a StatefulSet packs as well.
constexpr int window_bits = 12;
constexpr int mem_level = 5;
constexpr std::size_t max_dictionary = std::size_t{1} << window_bits;

Bytef* bytes(std::string& s) { return reinterpret_cast<Bytef*>(s.data()); }
const Bytef* bytes(std::string_view s) { return reinterpret_cast<const Bytef*>(s.data()); }

}  // namespace

struct json_packer::streams {
  z_stream deflate{};
  z_stream inflate{};
  bool deflate_ready = false;
  bool inflate_ready = false;
  ~streams() {
    if (deflate_ready) deflateEnd(&deflate);
    if (inflate_ready) inflateEnd(&inflate);
  }
};

json_packer::json_packer() : z_(std::make_unique<streams>()) {
  // Negative window bits: raw deflate, no zlib header or checksum (the bytes never leave this process).
  z_->deflate_ready = deflateInit2(&z_->deflate, Z_BEST_SPEED, Z_DEFLATED, -window_bits, mem_level,
                                   Z_DEFAULT_STRATEGY) == Z_OK;
  z_->inflate_ready = inflateInit2(&z_->inflate, -window_bits) == Z_OK;
}

json_packer::~json_packer() = default;

std::string json_packer::pack(const boost::json::object& obj) {
  text_ = boost::json::serialize(obj);
  if (!z_->deflate_ready) return {};
  if (dictionary_.empty()) dictionary_ = text_.substr(0, max_dictionary);
  z_stream& z = z_->deflate;
  if (deflateReset(&z) != Z_OK ||
      deflateSetDictionary(&z, bytes(std::string_view(dictionary_)), static_cast<uInt>(dictionary_.size())) != Z_OK)
    return {};
  std::string out(deflateBound(&z, static_cast<uLong>(text_.size())), '\0');
  z.next_in = bytes(text_);
  z.avail_in = static_cast<uInt>(text_.size());
  z.next_out = bytes(out);
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) return {};
  out.resize(out.size() - z.avail_out);
  if (out.size() >= text_.size() / 2) return {};   // dissimilar to the dictionary: the tree is as cheap
  out.shrink_to_fit();
  return out;
}

boost::json::object json_packer::unpack(std::string_view packed) {
  z_stream& z = z_->inflate;
  if (!z_->inflate_ready || inflateReset(&z) != Z_OK ||
      inflateSetDictionary(&z, bytes(std::string_view(dictionary_)), static_cast<uInt>(dictionary_.size())) != Z_OK)
    throw std::runtime_error("packed object: cannot start inflating");
  z.next_in = const_cast<Bytef*>(bytes(packed));   // zlib's input is const in practice; its API predates const
  z.avail_in = static_cast<uInt>(packed.size());
  text_.resize(std::max<std::size_t>(text_.capacity(), packed.size() * 8));
  std::size_t produced = 0;
  for (;;) {
    z.next_out = bytes(text_) + produced;
    z.avail_out = static_cast<uInt>(text_.size() - produced);
    const int rc = ::inflate(&z, Z_NO_FLUSH);
    produced = text_.size() - z.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("packed object: corrupt");
    if (z.avail_out != 0) throw std::runtime_error("packed object: truncated");
    text_.resize(text_.size() * 2);
  }
  text_.resize(produced);
  boost::json::value v = boost::json::parse(text_);
  if (!v.is_object()) throw std::runtime_error("packed object: not an object");
  return std::move(v.get_object());
}

}  // namespace habop::op
