// A temporary directory removed (recursively) when the test ends.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace habop::test {

/// Creates a fresh directory under $TMPDIR (or /tmp) and removes it with its contents on destruction.
class temp_dir {
 public:
  explicit temp_dir(std::string_view prefix = "habop-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  temp_dir(temp_dir&& other) noexcept;
  temp_dir& operator=(temp_dir&&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// `path() / name` as a string.
  std::string file(std::string_view name) const;
  /// Writes `text` to `path() / name` and returns the full path.
  std::string write(std::string_view name, std::string_view text) const;

 private:
  std::filesystem::path path_;
};

/// The whole content of a file, or empty when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace habop::test
