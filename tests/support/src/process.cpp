// Child processes via posix_spawn with piped stdin/stdout/stderr, read by background threads.
#include <habop/test_support/process.hpp>

#include <cerrno>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace habop::test {

struct child_process::impl {
  pid_t pid = -1;
  std::optional<int> status;  // exit code once reaped
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::string out, err;
  bool out_closed = false;
  std::thread out_reader, err_reader, in_writer;

  ~impl() {
    if (pid > 0 && !status) {
      ::kill(pid, SIGKILL);
      int st = 0;
      ::waitpid(pid, &st, 0);
    }
    for (auto* t : {&out_reader, &err_reader, &in_writer}) {
      if (t->joinable()) t->join();
    }
  }

  void read_into(int fd, std::string impl::*dest, bool is_out) {
    char buf[8192];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::lock_guard lock(mutex);
      (this->*dest).append(buf, static_cast<std::size_t>(n));
      changed.notify_all();
    }
    ::close(fd);
    std::lock_guard lock(mutex);
    if (is_out) out_closed = true;
    changed.notify_all();
  }

  std::optional<int> try_reap() {
    if (status) return status;
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status;
  }
};

namespace {

std::vector<std::string> build_env(const process_options& opts) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& name : opts.unset_env) vars.erase(name);
  for (const auto& [k, v] : opts.env) vars[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::vector<std::string> wrapped_by_env(std::vector<std::string> argv, const char* variable) {
  const char* wrapper = std::getenv(variable);
  if (!wrapper) return argv;
  std::vector<std::string> words;
  std::istringstream in(wrapper);
  for (std::string w; in >> w;) words.push_back(w);
  argv.insert(argv.begin(), words.begin(), words.end());
  return argv;
}

std::optional<std::string> find_executable(std::string_view name) {
  namespace fs = std::filesystem;
  if (name.find('/') != std::string_view::npos) {
    return ::access(std::string(name).c_str(), X_OK) == 0 ? std::optional<std::string>(name) : std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
  }
  return std::nullopt;
}

child_process::child_process(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
child_process::~child_process() = default;

std::unique_ptr<child_process> child_process::spawn(const std::vector<std::string>& argv,
                                                    const process_options& opts, std::string* error) {
  auto fail = [&](std::string why) -> std::unique_ptr<child_process> {
    if (error != nullptr) *error = std::move(why);
    return nullptr;
  };
  if (argv.empty()) return fail("no program given");
  auto exe = find_executable(argv[0]);
  if (!exe) return fail(argv[0] + ": not found");
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return fail(std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) return fail(std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) return fail(std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);     // a test runner's blocked signals must not leak into the child
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> args = argv;
  std::vector<std::string> env = build_env(opts);
  auto cargs = c_strings(args);
  auto cenv = c_strings(env);
  auto p = std::make_unique<impl>();
  int rc = ::posix_spawn(&p->pid, exe->c_str(), &actions, &attr, cargs.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    p->pid = -1;
    return fail(argv[0] + ": " + std::strerror(rc));
  }
  impl* raw = p.get();
  raw->out_reader = std::thread([raw, fd = out[0]] { raw->read_into(fd, &impl::out, true); });
  raw->err_reader = std::thread([raw, fd = err[0]] { raw->read_into(fd, &impl::err, false); });
  raw->in_writer = std::thread([fd = in[1], data = opts.stdin_data.value_or("")] {
    std::size_t off = 0;
    ::signal(SIGPIPE, SIG_IGN);  // a child that exits without reading its input must not kill the test
    while (off < data.size()) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  return std::unique_ptr<child_process>(new child_process(std::move(p)));
}

int child_process::pid() const { return impl_->pid; }

std::string child_process::out() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->out;
}

std::string child_process::err() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->err;
}

bool child_process::wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] {
    return impl_->out.find(needle) != std::string::npos || impl_->out_closed;
  }) && impl_->out.find(needle) != std::string::npos;
}

void child_process::signal(int sig) const {
  if (impl_->pid > 0 && !impl_->status) ::kill(impl_->pid, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto st = impl_->try_reap()) return st;
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

process_result child_process::kill_and_collect() {
  process_result r;
  if (!impl_->try_reap()) {
    ::kill(impl_->pid, SIGKILL);
    r.timed_out = true;
  }
  auto st = wait(std::chrono::seconds(10));
  r.exit_code = st.value_or(-1);
  for (auto* t : {&impl_->out_reader, &impl_->err_reader, &impl_->in_writer}) {
    if (t->joinable()) t->join();
  }
  r.out = out();
  r.err = err();
  return r;
}

process_result run_process(const std::vector<std::string>& argv, const process_options& opts,
                           std::chrono::milliseconds timeout) {
  std::string error;
  auto child = child_process::spawn(argv, opts, &error);
  if (!child) return process_result{.exit_code = -1, .timed_out = false, .out = {}, .err = error};
  bool finished = child->wait(timeout).has_value();
  process_result r = child->kill_and_collect();
  r.timed_out = !finished;
  return r;
}

}  // namespace habop::test
