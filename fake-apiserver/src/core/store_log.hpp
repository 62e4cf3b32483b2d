// The fake-apiserver's store on disk: a snapshot plus an append-only log of committed changes, replayed at start.
#pragma once

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <habop/core/result.hpp>

namespace habop::fake {

/// Where a stored object lives: storage id (`apps/statefulsets`, `/events`), namespace ("" when cluster-scoped), name.
struct stored_key {
  std::string storage, ns, name;
  friend auto operator<=>(const stored_key&, const stored_key&) = default;
};

/// One committed change as logged: the object's compact JSON after it, or empty text for a deletion.
struct log_record {
  std::uint64_t rv = 0;
  stored_key key;
  std::string text;
  bool operator==(const log_record&) const = default;
};

/// What a store directory held: every object's JSON text by key and the last committed resourceVersion.
struct stored_state {
  std::uint64_t rv = 0;
  std::map<stored_key, std::string> objects;
  std::vector<std::string> warnings;   ///< What replay left out (a truncated or corrupt log tail), to report.
};

/// A snapshot's objects; the texts are shared with the live store, so taking one copies no object.
using snapshot_entries = std::vector<std::pair<stored_key, std::shared_ptr<const std::string>>>;

/// `DIR/snapshot-<gen>` (the state when `DIR/log-<gen>` was started) and `DIR/log-<gen>` (every change since, in
/// resourceVersion order). A record is `<length> <crc32> <payload>\n`, so a record cut short by a killed process or
/// damaged afterwards is recognised and replay stops before it. Snapshots are written to a temporary file and
/// renamed, on a thread of their own; until the rename the previous snapshot and its log stay and still replay.
/// Appends happen on the caller's thread with one write(2) each: a change is in the kernel's page cache, and so
/// survives the process (not the machine: there is no fsync), before the caller acknowledges it.
class store_log {
 public:
  struct options {
    /// A new snapshot is due once the log holds this many bytes and more than the last snapshot.
    std::size_t compact_after_bytes = std::size_t{8} << 20;
    /// Told what a background snapshot could not do (called on that thread).
    std::function<void(const std::string&)> warn;
  };

  /// Opens `dir` (created if missing): loads the newest snapshot and replays the logs after it into `state` (up to
  /// the last complete record, saying what it left out in `state.warnings`), then writes that state as a new
  /// snapshot and starts an empty log. Fails, naming the file and the fix, on what it cannot read or does not know.
  static result<std::unique_ptr<store_log>> open(const std::string& dir, stored_state& state, options opts);
  static result<std::unique_ptr<store_log>> open(const std::string& dir, stored_state& state) {
    return open(dir, state, options{});
  }
  ~store_log();   ///< Waits for a snapshot being written.
  store_log(const store_log&) = delete;
  store_log& operator=(const store_log&) = delete;

  /// Appends one change (`text` empty for a deletion); an error says why the write failed (it is then not durable).
  status append(std::uint64_t rv, const stored_key& key, std::string_view text);
  /// Whether the log has grown enough for `compact`.
  bool compaction_due() const;
  /// Moves appends to a new log and writes `entries` (the state at `rv`, after every change appended so far) as
  /// its snapshot in the background; afterwards the older files are removed. Ignored while one is being written.
  void compact(std::uint64_t rv, snapshot_entries entries);
  /// Waits until no snapshot is being written.
  void wait();
  /// Bytes in the current log.
  std::size_t log_bytes() const { return log_bytes_; }

 private:
  store_log(std::string dir, options opts) : dir_(std::move(dir)), opts_(std::move(opts)) {}
  status start_log(std::uint64_t gen);

  std::string dir_;
  options opts_;
  int fd_ = -1;
  std::uint64_t gen_ = 0;
  std::size_t log_bytes_ = 0;
  std::atomic<std::size_t> snapshot_bytes_{0};   ///< Set by the snapshot writer.
  std::thread writer_;
  std::atomic<bool> writing_{false};
};

/// One record in the on-disk framing (exposed for tests that damage files).
std::string encode_record(std::uint64_t rv, const stored_key& key, std::string_view text);

}  // namespace habop::fake
