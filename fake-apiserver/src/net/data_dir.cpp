// The fake-apiserver's data directory: layout check, lock, and the credentials and port kept across restarts.
#include "data_dir.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace habop::fake::net {
namespace {
namespace fs = std::filesystem;

constexpr std::string_view format_line = "habop-fake-apiserver data 1\n";

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string fix(const std::string& dir) {
  return "; give --data-dir a new or empty directory, or move " + dir + " away";
}

}  // namespace

habop::error startup_error(std::string message) {
  return error{.code = 500, .reason = "InternalError", .message = std::move(message), .causes = {}};
}

status write_private_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return startup_error("cannot write " + tmp);
    out << text;
    if (!out.flush()) return startup_error("cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), 0600);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return startup_error("cannot rename " + tmp + " to " + path);
  return ok;
}

result<data_dir> data_dir::open(const std::string& path) {
  std::error_code ec;
  const bool existed = fs::exists(path, ec);
  if (!existed && !fs::create_directories(path, ec))
    return startup_error("cannot create the data directory " + path + ": " + ec.message() + fix(path));
  if (!fs::is_directory(path, ec)) return startup_error("the data directory " + path + " is not a directory" + fix(path));
  ::chmod(path.c_str(), 0700);
  const std::string format_file = (fs::path(path) / "format").string();
  if (auto format = read_file(format_file)) {
    if (*format != format_line)
      return startup_error(format_file + " says \"" + format->substr(0, format->find('\n')) +
                           "\": the data directory was written by an incompatible fake-apiserver (this one writes \"" +
                           std::string(format_line.substr(0, format_line.size() - 1)) + "\")" + fix(path));
  } else {
    if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0)
      return startup_error("cannot use the data directory " + path + ": " + std::strerror(errno) + fix(path));
    if (!fs::is_empty(path, ec))
      return startup_error("the data directory " + path + " is not empty and has no format file, so it is not a "
                           "fake-apiserver's" + fix(path));
    if (auto w = write_private_file(format_file, std::string(format_line)); !w)
      return startup_error("cannot write " + format_file + fix(path));
  }
  const std::string lock_file = (fs::path(path) / "lock").string();
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return startup_error("cannot open " + lock_file + ": " + std::strerror(errno) + fix(path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    std::string holder = read_file(lock_file).value_or("");
    ::close(fd);
    if (saved == EWOULDBLOCK)
      return startup_error("the data directory " + path + " is in use by another fake-apiserver" +
                           (holder.empty() ? std::string() : " (pid " + holder.substr(0, holder.find('\n')) + ")") +
                           "; stop it first, or give this one another --data-dir");
    return startup_error("cannot lock " + lock_file + ": " + std::strerror(saved));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only a hint in the error above; the lock itself is held.
  }
  return data_dir(path, fd);
}

data_dir::data_dir(data_dir&& other) noexcept : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

data_dir::~data_dir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);   // releases the flock
}

std::string data_dir::file(const char* name) const { return (fs::path(path_) / name).string(); }

std::string data_dir::store_path() const { return file("store"); }

result<tls_material> data_dir::tls() const {
  const std::string ca = file("ca.crt"), cert = file("server.crt"), key = file("server.key");
  std::error_code ec;
  // ca.crt is written last: without it the first start did not finish, and nobody trusts what is there yet.
  if (fs::exists(ca, ec)) {
    auto loaded = load_tls_material(cert, key);
    if (!loaded)
      return startup_error("the data directory's certificate is unusable (" + loaded.error().message +
                           "); delete " + ca + " to have a new CA generated (clients then need the new kubeconfig)");
    return loaded;
  }
  auto made = generate_tls_material();
  if (!made) return made;
  // server.crt holds the leaf and then the CA, so that loading it again finds the CA as the chain's last.
  for (const auto& [path, text] : {std::pair{key, made->server_key_pem},
                                   std::pair{cert, made->server_cert_pem + made->ca_cert_pem},
                                   std::pair{ca, made->ca_cert_pem}})
    if (auto w = write_private_file(path, text); !w) return std::move(w).error();
  made->server_cert_pem += made->ca_cert_pem;
  return made;
}

result<std::string> data_dir::token(const std::function<std::string()>& generate) const {
  const std::string path = file("token");
  if (auto text = read_file(path)) {
    std::string t = text->substr(0, text->find('\n'));
    if (t.empty()) return startup_error(path + " is empty; delete it to have a new token generated");
    return t;
  }
  std::string t = generate();
  if (auto w = write_private_file(path, t + "\n"); !w) return std::move(w).error();
  return t;
}

std::optional<std::uint16_t> data_dir::remembered_port() const {
  auto text = read_file(file("port"));
  if (!text) return std::nullopt;
  unsigned long v = 0;
  char* end = nullptr;
  v = std::strtoul(text->c_str(), &end, 10);
  if (end == text->c_str() || v == 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

status data_dir::remember_port(std::uint16_t port) const {
  return write_private_file(file("port"), std::to_string(port) + "\n");
}

}  // namespace habop::fake::net
