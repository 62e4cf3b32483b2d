// The fake-apiserver's data directory: what a restarted process needs to be the same API server to its clients.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <habop/core/result.hpp>
#include <habop/fake_apiserver/tls.hpp>

namespace habop::fake::net {

/// An error of the server's start, with the message the binary prints.
habop::error startup_error(std::string message);

/// Writes `text` to `path` with mode 0600 through a temporary file and a rename, so a reader polling for the file
/// never sees half of it.
status write_private_file(const std::string& path, const std::string& text);

/// DIR, held by one server: `format` (the layout's version), `lock` (held while the server runs: two servers on
/// one store would corrupt it), `ca.crt`, `server.crt` (leaf then CA), `server.key` and `token` (both 0600),
/// `port` (what a `--listen` with port 0 bound), and `store/` (the object store, store_log.hpp).
class data_dir {
 public:
  /// Creates DIR (0700) or checks that it is one of ours in this format, and takes its lock. Errors name the path
  /// and the fix.
  static result<data_dir> open(const std::string& path);
  data_dir(data_dir&& other) noexcept;
  data_dir& operator=(data_dir&&) = delete;
  data_dir(const data_dir&) = delete;
  ~data_dir();   ///< Releases the lock.

  const std::string& path() const { return path_; }
  /// Where the object store lives.
  std::string store_path() const;
  /// The CA and serving certificate of earlier starts; generated and written on the first.
  result<tls_material> tls() const;
  /// The admin token of earlier starts; `generate`d and written on the first.
  result<std::string> token(const std::function<std::string()>& generate) const;
  /// The port an earlier start bound for a `--listen` with port 0, if any.
  std::optional<std::uint16_t> remembered_port() const;
  status remember_port(std::uint16_t port) const;

 private:
  data_dir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string file(const char* name) const;
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace habop::fake::net
