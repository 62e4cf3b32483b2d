// Packed storage for cached objects that look alike: each one deflated against a dictionary, inflated when read.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace habop::op {

/// Raw deflate with a preset dictionary: the first object packed becomes the dictionary, so later objects of the
/// same shape (every Habitat's StatefulSet is rendered by the same code) cost only what differs — names, uids,
/// versions, an image — about 125 bytes for a 1.5 KB StatefulSet where a compact tree costs 4.5 KB. Reading one
/// back costs an inflate and a parse (~5 µs for a Habitat), storing one a serialization and a deflate (~12 µs more
/// than a compact tree), so this suits caches read by key, not ones scanned in bulk. Fastest compression level:
/// with a dictionary this close, higher levels save a few bytes for 60% more time.
///
/// Not thread-safe (it reuses its zlib streams); one cache, under that cache's lock, owns one packer. The small
/// window (4 KB) keeps both streams under 40 KB; objects larger than that still pack, less well.
class json_packer {
 public:
  json_packer();
  ~json_packer();
  json_packer(const json_packer&) = delete;
  json_packer& operator=(const json_packer&) = delete;

  /// `obj` serialized and deflated; empty when packing does not pay (the caller keeps the tree).
  std::string pack(const boost::json::object& obj);
  /// The object `pack` turned into `packed`; throws std::runtime_error when `packed` is not this packer's output.
  boost::json::object unpack(std::string_view packed);
  /// Bytes of the dictionary (0 before the first pack).
  std::size_t dictionary_size() const { return dictionary_.size(); }

 private:
  struct streams;
  std::unique_ptr<streams> z_;
  std::string dictionary_;
  std::string text_;       ///< Reused serialization / inflate buffer.
};

}  // namespace habop::op
