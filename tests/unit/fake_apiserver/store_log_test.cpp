// The on-disk store: round trip, a cut-short or damaged log tail, compaction, and directories it cannot use.
#include "../../../fake-apiserver/src/core/store_log.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <habop/test_support/temp_dir.hpp>

using namespace habop::fake;
namespace fs = std::filesystem;

namespace {

log_record put(std::uint64_t rv, std::string name, std::string text) {
  return log_record{rv, stored_key{"/configmaps", "default", std::move(name)}, std::move(text)};
}
log_record del(std::uint64_t rv, std::string name) { return put(rv, std::move(name), ""); }
habop::status append(store_log& log, const log_record& r) { return log.append(r.rv, r.key, r.text); }
std::string encode(const log_record& r) { return encode_record(r.rv, r.key, r.text); }

std::vector<fs::path> files(const fs::path& dir, std::string_view prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Opens a store in `dir`, appends `records` and closes it, as a process that ends; returns its log's path.
fs::path write_store(const fs::path& dir, const std::vector<log_record>& records) {
  stored_state state;
  auto log = store_log::open(dir.string(), state);
  REQUIRE(log);
  for (const auto& r : records) REQUIRE(append(**log, r));
  return files(dir, "log-").back();
}

stored_state reopen(const fs::path& dir) {
  stored_state state;
  auto log = store_log::open(dir.string(), state);
  INFO((log ? std::string() : log.error().message));
  REQUIRE(log);
  return state;
}

std::string text_of(const stored_state& s, const std::string& name) {
  auto it = s.objects.find(stored_key{"/configmaps", "default", name});
  return it == s.objects.end() ? std::string() : it->second;
}

}  // namespace

TEST_CASE("store_log: appended changes replay into the same objects and resourceVersion") {
  habop::test::temp_dir dir;
  {
    stored_state state;
    auto log = store_log::open(dir.path().string(), state);
    REQUIRE(log);
    CHECK(state.objects.empty());
    CHECK(state.rv == 0);
    REQUIRE(append(**log, put(1, "a", R"({"v":1})")));
    REQUIRE(append(**log, put(2, "b", R"({"tab":"\t","nl":"\n"})")));
    REQUIRE(append(**log, put(3, "a", R"({"v":3})")));
    REQUIRE(append(**log, del(4, "b")));
    REQUIRE(append(**log, put(5, "weird \"name\"\t", R"({"v":5})")));
  }
  stored_state state = reopen(dir.path());
  CHECK(state.rv == 5);
  CHECK(state.warnings.empty());
  REQUIRE(state.objects.size() == 2);
  CHECK(text_of(state, "a") == R"({"v":3})");
  CHECK(text_of(state, "weird \"name\"\t") == R"({"v":5})");
  // Opening wrote the state as a snapshot: a second reopen reads it back unchanged.
  stored_state again = reopen(dir.path());
  CHECK(again.objects == state.objects);
  CHECK(again.rv == 5);
}

TEST_CASE("store_log: a record cut short by a kill is left out, said so, and later appends still replay") {
  habop::test::temp_dir dir;
  const fs::path log_path = write_store(dir.path(), {put(1, "a", R"({"v":1})"), put(2, "b", R"({"v":2})")});
  fs::resize_file(log_path, fs::file_size(log_path) - 3);   // the process died in the middle of the last write
  {
    stored_state state;
    auto log = store_log::open(dir.path().string(), state);
    REQUIRE(log);
    CHECK(state.rv == 1);
    CHECK(text_of(state, "a") == R"({"v":1})");
    CHECK(text_of(state, "b").empty());
    REQUIRE(state.warnings.size() == 1);
    CHECK_THAT(state.warnings[0], Catch::Contains(log_path.string()) && Catch::Contains("replayed 1 records") &&
                                      Catch::Contains("cut short"));
    REQUIRE(append(**log, put(2, "c", R"({"v":2})")));
  }
  stored_state state = reopen(dir.path());
  CHECK(state.warnings.empty());
  CHECK(state.rv == 2);
  CHECK(text_of(state, "c") == R"({"v":2})");
}

TEST_CASE("store_log: a damaged record stops replay before it") {
  habop::test::temp_dir dir;
  const fs::path log_path =
      write_store(dir.path(), {put(1, "a", R"({"v":1})"), put(2, "b", R"({"v":2})"), put(3, "c", R"({"v":3})")});
  std::string text = habop::test::read_text_file(log_path.string());
  auto at = text.find(R"({"v":2})");
  REQUIRE(at != std::string::npos);
  text[at + 5] = '7';   // same length, wrong checksum
  std::ofstream(log_path, std::ios::binary | std::ios::trunc) << text;
  stored_state state = reopen(dir.path());
  CHECK(state.rv == 1);
  CHECK(state.objects.size() == 1);
  REQUIRE(state.warnings.size() == 1);
  CHECK_THAT(state.warnings[0], Catch::Contains("damaged"));
}

TEST_CASE("store_log: compaction writes a snapshot in the background and removes the older files") {
  habop::test::temp_dir dir;
  {
    stored_state state;
    store_log::options opts;
    opts.compact_after_bytes = 512;
    auto log = store_log::open(dir.path().string(), state, opts);
    REQUIRE(log);
    std::map<std::string, std::string> live;
    std::uint64_t rv = 0;
    int compactions = 0;
    for (int i = 0; i < 200; ++i) {
      const std::string name = "cm" + std::to_string(i % 7), text = R"({"i":)" + std::to_string(i) + "}";
      REQUIRE(append(**log, put(++rv, name, text)));
      live[name] = text;
      if ((*log)->compaction_due()) {
        snapshot_entries entries;
        for (const auto& [n, t] : live)
          entries.emplace_back(stored_key{"/configmaps", "default", n}, std::make_shared<const std::string>(t));
        (*log)->compact(rv, std::move(entries));
        (*log)->wait();
        ++compactions;
      }
    }
    CHECK(compactions > 3);
    CHECK((*log)->log_bytes() < 1024);
    CHECK(files(dir.path(), "snapshot-").size() == 1);
    CHECK(files(dir.path(), "log-").size() == 1);
  }
  stored_state state = reopen(dir.path());
  CHECK(state.rv == 200);
  CHECK(state.objects.size() == 7);
  CHECK(text_of(state, "cm3") == R"({"i":199})");   // 199 % 7 == 3, appended after the last snapshot or in it
  CHECK(text_of(state, "cm2") == R"({"i":198})");
}

TEST_CASE("store_log: a snapshot whose writer died before the rename leaves the previous files to replay") {
  habop::test::temp_dir dir;
  // What a kill during compaction leaves: a newer log already started, and a temporary snapshot never renamed.
  const fs::path old_log = write_store(dir.path(), {put(1, "a", R"({"v":1})")});
  const std::string next = "log-" + std::string(16 - 1, '0') + "9";
  std::ofstream(dir.path() / next, std::ios::binary) << "habop-fake-apiserver log 1\n"
                                                      << encode(put(2, "b", R"({"v":2})"));
  std::ofstream(dir.path() / ("snapshot-" + std::string(16 - 1, '0') + "9.tmp"), std::ios::binary) << "garbage";
  stored_state state = reopen(dir.path());
  CHECK(state.warnings.empty());
  CHECK(state.rv == 2);
  CHECK(state.objects.size() == 2);
  CHECK_FALSE(fs::exists(old_log));
  CHECK(files(dir.path(), "snapshot-").size() == 1);
}

TEST_CASE("store_log: files of another format or a damaged snapshot are an error naming the file and the fix") {
  habop::test::temp_dir dir;
  write_store(dir.path(), {});
  const fs::path snapshot = files(dir.path(), "snapshot-").back();
  SECTION("another format version") {
    std::ofstream(files(dir.path(), "log-").back(), std::ios::binary | std::ios::trunc)
        << "habop-fake-apiserver log 9\n";
    stored_state state;
    auto log = store_log::open(dir.path().string(), state);
    REQUIRE_FALSE(log);
    CHECK_THAT(log.error().message, Catch::Contains("format 9") && Catch::Contains("reads format 1") &&
                                        Catch::Contains("move " + dir.path().string()));
  }
  SECTION("a damaged snapshot") {
    std::string text = habop::test::read_text_file(snapshot.string());
    std::ofstream(snapshot, std::ios::binary | std::ios::trunc) << text.substr(0, text.size() - 2);
    stored_state state;
    auto log = store_log::open(dir.path().string(), state);
    REQUIRE_FALSE(log);
    CHECK_THAT(log.error().message, Catch::Contains(snapshot.string()) && Catch::Contains("damaged"));
  }
  SECTION("not a directory") {
    const std::string file = dir.file("plain");
    std::ofstream(file) << "x";
    stored_state state;
    auto log = store_log::open(file, state);
    REQUIRE_FALSE(log);
    CHECK_THAT(log.error().message, Catch::Contains(file));
  }
}
