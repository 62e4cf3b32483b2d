// Reads, replays, appends to and compacts the fake-apiserver's on-disk store (snapshot + log).
#include "store_log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace habop::fake {
namespace {
namespace fs = std::filesystem;
namespace bj = boost::json;

constexpr std::string_view snapshot_magic = "habop-fake-apiserver snapshot ";
constexpr std::string_view log_magic = "habop-fake-apiserver log ";
constexpr std::string_view format_version = "1";

error store_error(std::string message) {
  return error{.code = 500, .reason = "InternalError", .message = std::move(message), .causes = {}};
}

std::string fix_hint(const std::string& dir) {
  return "; move " + dir + " away (or delete it) to start with an empty store, or use another --data-dir";
}

std::uint32_t crc32(std::string_view s) {
  boost::crc_32_type crc;
  crc.process_bytes(s.data(), s.size());
  return crc.checksum();
}

std::string file_name(std::string_view kind, std::uint64_t gen) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*s-%016llu", static_cast<int>(kind.size()), kind.data(),
                static_cast<unsigned long long>(gen));
  return buf;
}

// `snapshot-<gen>` or `log-<gen>` → gen.
std::optional<std::uint64_t> gen_of(std::string_view name, std::string_view kind) {
  if (name.size() <= kind.size() + 1 || name.substr(0, kind.size()) != kind || name[kind.size()] != '-')
    return std::nullopt;
  std::uint64_t v = 0;
  for (char ch : name.substr(kind.size() + 1)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return v;
}

result<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return store_error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return store_error("cannot read " + path + ": " + std::strerror(errno));
  return out.str();
}

// The record at `pos` of `data`, advancing `pos` past it; nullopt when it is incomplete or damaged.
std::optional<log_record> decode_record(std::string_view data, std::size_t& pos) {
  std::size_t sp1 = data.find(' ', pos);
  if (sp1 == std::string_view::npos || sp1 == pos || sp1 - pos > 12) return std::nullopt;
  std::size_t len = 0;
  for (char ch : data.substr(pos, sp1 - pos)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    len = len * 10 + static_cast<std::size_t>(ch - '0');
  }
  if (data.size() < sp1 + 10 || data[sp1 + 9] != ' ') return std::nullopt;
  std::uint32_t crc = 0;
  for (char ch : data.substr(sp1 + 1, 8)) {
    int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    crc = crc << 4 | static_cast<std::uint32_t>(d);
  }
  const std::size_t start = sp1 + 10;
  if (data.size() < start + len + 1 || data[start + len] != '\n') return std::nullopt;
  std::string_view payload = data.substr(start, len);
  if (crc32(payload) != crc) return std::nullopt;
  // payload: {"rv":N,"s":storage,"ns":namespace,"n":name} TAB object-text (no tab and no text for a deletion);
  // JSON escapes tabs in strings, so the first tab ends the header.
  std::size_t tab = payload.find('\t');
  boost::system::error_code ec;
  bj::value head = bj::parse(payload.substr(0, tab), ec);
  if (ec || !head.is_object()) return std::nullopt;
  const bj::object& h = head.get_object();
  auto str = [&](const char* k) -> const bj::string* {
    const bj::value* v = h.if_contains(k);
    return v ? v->if_string() : nullptr;
  };
  const bj::value* rv = h.if_contains("rv");
  if (!rv || (!rv->is_uint64() && !rv->is_int64()) || !str("s") || !str("ns") || !str("n")) return std::nullopt;
  log_record r;
  r.rv = rv->is_uint64() ? rv->get_uint64() : static_cast<std::uint64_t>(rv->get_int64());
  r.key = stored_key{std::string(*str("s")), std::string(*str("ns")), std::string(*str("n"))};
  if (tab != std::string_view::npos) r.text = std::string(payload.substr(tab + 1));
  pos = start + len + 1;
  return r;
}

// The first line of a file (without '\n'), or nullopt when there is none.
std::optional<std::string_view> first_line(std::string_view data) {
  auto nl = data.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  return data.substr(0, nl);
}

// Checks a header line `<magic><version>[ rest]`; returns the rest.
result<std::string_view> check_header(std::string_view data, std::string_view magic, const std::string& path,
                                      const std::string& dir) {
  auto line = first_line(data);
  if (!line || line->substr(0, magic.size()) != magic)
    return store_error(path + " is not a fake-apiserver store file (unexpected header)" + fix_hint(dir));
  std::string_view rest = line->substr(magic.size());
  std::string_view version = rest.substr(0, rest.find(' '));
  if (version != format_version)
    return store_error(path + " has store format " + std::string(version) + ", this fake-apiserver reads format " +
                       std::string(format_version) + fix_hint(dir));
  return rest.size() > version.size() ? rest.substr(version.size() + 1) : std::string_view{};
}

void apply(stored_state& state, log_record r) {
  if (r.text.empty()) state.objects.erase(r.key);
  else state.objects[std::move(r.key)] = std::move(r.text);
  state.rv = std::max(state.rv, r.rv);
}

status load_snapshot(const std::string& path, const std::string& dir, stored_state& state) {
  auto data = read_whole(path);
  if (!data) return std::move(data).error();
  auto rest = check_header(*data, snapshot_magic, path, dir);
  if (!rest) return std::move(rest).error();
  unsigned long long rv = 0, count = 0;
  if (std::sscanf(std::string(*rest).c_str(), "rv=%llu count=%llu", &rv, &count) != 2)
    return store_error(path + " has a damaged header" + fix_hint(dir));
  std::size_t pos = first_line(*data)->size() + 1;
  for (unsigned long long i = 0; i < count; ++i) {
    auto r = decode_record(*data, pos);
    if (!r) return store_error(path + " is damaged at byte " + std::to_string(pos) + fix_hint(dir));
    state.objects[std::move(r->key)] = std::move(r->text);
  }
  if (std::string_view(*data).substr(pos) != "end\n")
    return store_error(path + " is damaged at byte " + std::to_string(pos) + fix_hint(dir));
  state.rv = rv;
  return ok;
}

// Replays one log; false when it stopped before the end of the file (the rest is reported in `state.warnings`).
result<bool> replay_log(const std::string& path, const std::string& dir, stored_state& state) {
  auto data = read_whole(path);
  if (!data) return std::move(data).error();
  if (!first_line(*data)) {   // killed while writing the header: nothing was ever logged here
    if (!data->empty()) state.warnings.push_back(path + ": ignored an incomplete header");
    return true;
  }
  auto rest = check_header(*data, log_magic, path, dir);
  if (!rest) return std::move(rest).error();
  std::size_t pos = first_line(*data)->size() + 1, records = 0;
  while (pos < data->size()) {
    const std::size_t at = pos;
    auto r = decode_record(*data, pos);
    if (!r) {
      state.warnings.push_back(path + ": replayed " + std::to_string(records) + " records up to resourceVersion " +
                               std::to_string(state.rv) + "; ignored the " + std::to_string(data->size() - at) +
                               " bytes from byte " + std::to_string(at) +
                               " on (a record cut short, e.g. by a kill during a write, or damaged)");
      return false;
    }
    apply(state, std::move(*r));   // every record of these logs follows the snapshot
    ++records;
  }
  return true;
}

// Writes `text` fully to `fd`.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Writes a snapshot to `<path>.tmp` and renames it to `path`; returns its size, or an error.
result<std::size_t> write_snapshot(const std::string& path, std::uint64_t rv, const snapshot_entries& entries) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return store_error("cannot write " + tmp + ": " + std::strerror(errno));
  std::string buf = std::string(snapshot_magic) + std::string(format_version) + " rv=" + std::to_string(rv) +
                    " count=" + std::to_string(entries.size()) + "\n";
  std::size_t total = 0;
  bool good = true;
  for (const auto& [key, text] : entries) {
    buf += encode_record(rv, key, *text);
    if (buf.size() >= (1u << 20)) {
      good = good && write_all(fd, buf);
      total += buf.size();
      buf.clear();
    }
  }
  buf += "end\n";
  good = good && write_all(fd, buf);
  total += buf.size();
  const int saved = errno;
  ::close(fd);
  if (!good) {
    ::unlink(tmp.c_str());
    return store_error("cannot write " + tmp + ": " + std::strerror(saved));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return store_error("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  return total;
}

// Removes the snapshots and logs older than generation `gen`, and left-over temporary files.
void remove_older(const std::string& dir, std::uint64_t gen) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    auto g = gen_of(name, "snapshot");
    if (!g) g = gen_of(name, "log");
    if ((g && *g < gen) || (name.ends_with(".tmp") && name.starts_with("snapshot-"))) fs::remove(e.path(), ec);
  }
}

}  // namespace

std::string encode_record(std::uint64_t rv, const stored_key& key, std::string_view text) {
  std::string payload = "{\"rv\":" + std::to_string(rv) + ",\"s\":" + bj::serialize(bj::string(key.storage)) +
                        ",\"ns\":" + bj::serialize(bj::string(key.ns)) +
                        ",\"n\":" + bj::serialize(bj::string(key.name)) + "}";
  if (!text.empty()) (payload += '\t') += text;
  char head[32];
  std::snprintf(head, sizeof head, "%zu %08x ", payload.size(), static_cast<unsigned>(crc32(payload)));
  std::string out = head;
  out.reserve(out.size() + payload.size() + 1);
  (out += payload) += '\n';
  return out;
}

result<std::unique_ptr<store_log>> store_log::open(const std::string& dir, stored_state& state, options opts) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec))
    return store_error("cannot use " + dir + " as a store directory: " + (ec ? ec.message() : "not a directory"));
  std::vector<std::uint64_t> snapshots, logs;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (auto g = gen_of(name, "snapshot")) snapshots.push_back(*g);
    else if (auto l = gen_of(name, "log")) logs.push_back(*l);
  }
  if (ec) return store_error("cannot list " + dir + ": " + ec.message());
  std::sort(snapshots.begin(), snapshots.end());
  std::sort(logs.begin(), logs.end());
  const std::uint64_t base = snapshots.empty() ? 0 : snapshots.back();
  if (!snapshots.empty())
    if (auto loaded = load_snapshot((fs::path(dir) / file_name("snapshot", base)).string(), dir, state); !loaded)
      return std::move(loaded).error();
  bool complete = true;
  for (std::uint64_t gen : logs) {
    if (gen < base) continue;
    const std::string path = (fs::path(dir) / file_name("log", gen)).string();
    if (!complete) {
      state.warnings.push_back(path + ": not replayed, as it follows a damaged log");
      continue;
    }
    auto replayed = replay_log(path, dir, state);
    if (!replayed) return std::move(replayed).error();
    complete = *replayed;
  }
  // Start over from what was read: a snapshot of it and an empty log, so that appends never follow a damaged tail.
  const std::uint64_t gen = std::max(base, logs.empty() ? 0 : logs.back()) + 1;
  std::unique_ptr<store_log> out(new store_log(dir, std::move(opts)));
  snapshot_entries entries;
  entries.reserve(state.objects.size());
  for (const auto& [key, text] : state.objects) entries.emplace_back(key, std::make_shared<const std::string>(text));
  auto written = write_snapshot((fs::path(dir) / file_name("snapshot", gen)).string(), state.rv, entries);
  if (!written) return std::move(written).error();
  out->snapshot_bytes_ = *written;
  if (auto started = out->start_log(gen); !started) return std::move(started).error();
  remove_older(dir, gen);
  return out;
}

status store_log::start_log(std::uint64_t gen) {
  const std::string path = (fs::path(dir_) / file_name("log", gen)).string();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return store_error("cannot write " + path + ": " + std::strerror(errno));
  const std::string header = std::string(log_magic) + std::string(format_version) + "\n";
  if (!write_all(fd, header)) {
    const int saved = errno;
    ::close(fd);
    return store_error("cannot write " + path + ": " + std::strerror(saved));
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  gen_ = gen;
  log_bytes_ = header.size();
  return ok;
}

store_log::~store_log() {
  wait();
  if (fd_ >= 0) ::close(fd_);
}

status store_log::append(std::uint64_t rv, const stored_key& key, std::string_view text) {
  const std::string rec = encode_record(rv, key, text);
  if (!write_all(fd_, rec))
    return store_error("cannot append to " + (fs::path(dir_) / file_name("log", gen_)).string() + ": " +
                       std::strerror(errno));
  log_bytes_ += rec.size();
  return ok;
}

bool store_log::compaction_due() const {
  return !writing_ && log_bytes_ >= opts_.compact_after_bytes && log_bytes_ > snapshot_bytes_;
}

void store_log::compact(std::uint64_t rv, snapshot_entries entries) {
  if (writing_) return;
  wait();   // joins the finished writer
  const std::uint64_t gen = gen_ + 1;
  if (auto started = start_log(gen); !started) {
    if (opts_.warn) opts_.warn(started.error().message);
    return;
  }
  writing_ = true;
  writer_ = std::thread([this, gen, rv, entries = std::move(entries)] {
    auto written = write_snapshot((fs::path(dir_) / file_name("snapshot", gen)).string(), rv, entries);
    if (written) {
      snapshot_bytes_ = *written;
      remove_older(dir_, gen);
    } else if (opts_.warn) {
      opts_.warn(written.error().message + " (the previous snapshot and logs are kept and still replay)");
    }
    writing_ = false;
  });
}

void store_log::wait() {
  if (writer_.joinable()) writer_.join();
}

}  // namespace habop::fake
