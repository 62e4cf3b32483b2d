// Compact storage: a counting pass sizes one block, a second copy bump-allocates into it, then the block freezes.
#include <habop/operator/compact_json.hpp>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <new>
#include <utility>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/storage_ptr.hpp>

namespace habop::op {
namespace {

namespace bj = boost::json;

std::size_t align_up(std::size_t n, std::size_t align) { return (n + align - 1) & ~(align - 1); }

/// Forwards to `upstream` and records what a bump allocator would need for the same requests.
class counting_resource final : public bj::memory_resource {
 public:
  explicit counting_resource(bj::storage_ptr upstream) : upstream_(std::move(upstream)) {}
  std::size_t bump_bytes = 0;
  std::size_t malloc_bytes = 0;

 private:
  void* do_allocate(std::size_t n, std::size_t align) override {
    bump_bytes = align_up(bump_bytes, align) + n;
    malloc_bytes += std::max<std::size_t>(32, align_up(n + 8, 16));
    return upstream_->allocate(n, align);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t align) override { upstream_->deallocate(p, n, align); }
  bool do_is_equal(const memory_resource& other) const noexcept override { return this == &other; }
  bj::storage_ptr upstream_;
};

/// One block, bump-allocated until `freeze`; afterwards, and for anything that does not fit, the default heap.
class frozen_arena final : public bj::memory_resource {
 public:
  /// `*self` receives the arena's address: make_shared_resource holds it as a member of a wrapper, so the
  /// storage_ptr's resource pointer is not the arena.
  frozen_arena(std::size_t size, frozen_arena** self)
      : base_(static_cast<char*>(::operator new(size, std::align_val_t{alignof(std::max_align_t)}))), size_(size) {
    *self = this;
  }
  ~frozen_arena() override { ::operator delete(base_, std::align_val_t{alignof(std::max_align_t)}); }
  frozen_arena(const frozen_arena&) = delete;
  frozen_arena& operator=(const frozen_arena&) = delete;
  /// Called once, before the object is shared: from then on this resource only forwards (thread-safe).
  void freeze() { frozen_ = true; }

 private:
  bool owns(const void* p) const {
    const std::less_equal<const void*> le;
    return le(base_, p) && !le(base_ + size_, p);
  }
  void* do_allocate(std::size_t n, std::size_t align) override {
    if (!frozen_ && align <= alignof(std::max_align_t)) {
      const std::size_t at = align_up(used_, align);
      if (at + n <= size_) {
        used_ = at + n;
        return base_ + at;
      }
    }
    return upstream_->allocate(n, align);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t align) override {
    if (!owns(p)) upstream_->deallocate(p, n, align);  // Inside the block: released with the block.
  }
  bool do_is_equal(const memory_resource& other) const noexcept override { return this == &other; }

  char* base_;
  std::size_t size_;
  std::size_t used_ = 0;
  bool frozen_ = false;
  bj::storage_ptr upstream_;
};

struct footprint {
  std::size_t bump_bytes = 0;
  std::size_t malloc_bytes = 0;
};

footprint count(const bj::object& obj) {
  // The measuring copy is thrown away: bump-allocate it from the stack (and the heap beyond 16 KB).
  unsigned char buffer[16384];
  bj::monotonic_resource scratch(buffer, sizeof buffer);
  counting_resource counter{bj::storage_ptr(&scratch)};
  {
    // The counter outlives the copy: a non-owning storage_ptr is enough.
    const bj::object copy(obj, bj::storage_ptr(&counter));
  }
  return {counter.bump_bytes, counter.malloc_bytes};
}

}  // namespace

bj::object compact_copy(const bj::object& obj) {
  const std::size_t size = count(obj).bump_bytes;
  frozen_arena* arena = nullptr;
  bj::storage_ptr sp = bj::make_shared_resource<frozen_arena>(size, &arena);
  bj::object copy(obj, sp);
  arena->freeze();
  return copy;
}

std::size_t allocated_bytes(const bj::object& obj) { return count(obj).bump_bytes; }

std::size_t malloc_bytes(const bj::object& obj) { return count(obj).malloc_bytes; }

}  // namespace habop::op
