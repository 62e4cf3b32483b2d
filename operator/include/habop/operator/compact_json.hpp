// Compact storage for cached objects: one exactly-sized block per object instead of a malloc per JSON node.
#pragma once

#include <cstddef>

#include <boost/json/object.hpp>

namespace habop::op {

/// A deep copy of `obj` laid out in one block sized exactly for it (keys, strings, tables and arrays bump-allocated
/// back to back: no per-node malloc header or size-class rounding). The block belongs to the copy's storage and
/// is freed with it. After the copy the block is frozen: anything later allocated through the copy's storage
/// (Boost.JSON copies inherit their source's storage, so a reader copying a member allocates there) comes from
/// the heap and is freed normally, from any thread. The copy is meant to be shared read-only.
boost::json::object compact_copy(const boost::json::object& obj);

/// Bytes a deep copy of `obj` allocates for its nodes (alignment padding included, allocator headers excluded):
/// the size of `compact_copy`'s block.
std::size_t allocated_bytes(const boost::json::object& obj);

/// Heap bytes a deep copy of `obj` costs with the default allocator, counting glibc's per-allocation overhead
/// (8-byte header, 16-byte granularity, 32-byte minimum): what a cached object cost before `compact_copy`.
std::size_t malloc_bytes(const boost::json::object& obj);

}  // namespace habop::op
