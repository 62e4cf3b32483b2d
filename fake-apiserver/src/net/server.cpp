// The fake-apiserver's HTTPS transport: one io_context thread, TLS sessions, keep-alive, chunked watches, ticks.
#include <habop/fake_apiserver/server.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <list>
#include <random>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <habop/json/codec.hpp>

#include "authentication.hpp"
#include "data_dir.hpp"
#include "http_codec.hpp"

namespace habop::fake {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

instant wall_now() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return instant{us.count()};
}

std::string random_token() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 4; ++i) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
    out += buf;
  }
  return out;
}

// kube-apiserver's 403 for a request the authorizer was not asked about (the fault-injection endpoint).
response forbidden(const request& req) {
  request_attributes a = resolve_request(req.method, req.target);
  a.user = req.user;
  response res;
  res.status = 403;
  res.headers.emplace_back("Content-Type", "application/json");
  res.body = habop::json::to_json(forbidden_status(a));
  return res;
}

}  // namespace

struct session {
  explicit session(tcp::socket sock, ssl::context& ctx)
      : stream(std::move(sock), ctx), wake(stream.get_executor()) {}
  ssl::stream<tcp::socket> stream;
  asio::steady_timer wake;                           // cancelled to wake a watch writer
  std::chrono::steady_clock::time_point deadline{};  // handshake or idle deadline; max while watching
  bool notified = false;
  bool in_watch = false;
  bool closing = false;                              // stop or restart asked this connection to end

  void abort() {
    closing = true;
    boost::system::error_code ec;
    stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    stream.lowest_layer().cancel(ec);
    wake.cancel();
  }
};

struct server::impl {
  server_config config;
  tls_material tls;
  std::string token;
  net::token_authenticator authn;
  asio::io_context ioc{1};
  ssl::context ssl_ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer ticker{ioc};
  asio::steady_timer force_stop{ioc};
  std::string host;
  std::uint16_t port = 0;
  api_server api;
  std::unique_ptr<workload_simulator> sim;
  faults fault_rules;
  std::list<std::shared_ptr<session>> sessions;
  std::atomic<std::size_t> connection_count{0};
  std::thread thread;
  std::thread::id thread_id;
  std::optional<net::data_dir> data;   // held (locked) while the server runs
  std::mutex stop_mutex;
  bool stopping = false;  // io thread only
  bool stopped = false;   // guarded by stop_mutex

  explicit impl(server_config c) : config(std::move(c)), api(config.api) {}

  void notify_watchers() {
    for (auto& s : sessions) {
      if (!s->in_watch) continue;
      s->notified = true;
      s->wake.cancel();
    }
  }

  void close_all() {
    for (auto& s : sessions) s->abort();
  }

  void begin_stop() {
    if (stopping) return;
    stopping = true;
    boost::system::error_code ec;
    acceptor.close(ec);
    ticker.cancel();
    for (auto& s : sessions) {
      if (s->in_watch) {
        s->closing = true;
        s->wake.cancel();  // the watch writer ends its stream with the final chunk
      } else {
        s->abort();
      }
    }
    force_stop.expires_after(2s);
    force_stop.async_wait([this](boost::system::error_code e) {
      if (!e) ioc.stop();
    });
    if (sessions.empty()) force_stop.cancel();
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor.async_accept(use_tuple);
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. too many open files: keep serving the connections we have
      }
      sock.set_option(tcp::no_delay(true), ec);
      auto s = std::make_shared<session>(std::move(sock), ssl_ctx);
      s->deadline = std::chrono::steady_clock::now() + 10s;
      sessions.push_back(s);
      ++connection_count;
      asio::co_spawn(ioc, serve(s), asio::detached);
    }
  }

  asio::awaitable<void> tick_loop() {
    for (;;) {
      ticker.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(1, config.tick_interval_ms)));
      auto [ec] = co_await ticker.async_wait(use_tuple);
      if (ec || stopping) co_return;
      instant now = wall_now();
      api.tick(now);
      if (sim) sim->step(now);
      auto steady = std::chrono::steady_clock::now();
      for (auto& s : sessions) {
        if (!s->in_watch && !s->closing && s->deadline < steady) s->abort();
      }
    }
  }

  // `/admin/faults`: GET lists rules, POST adds a rule or runs an action, DELETE clears the rules.
  response admin(const request& req, bool& restart_after) {
    response res;
    res.headers.emplace_back("Content-Type", "application/json");
    if (req.method == "GET") {
      res.body = rules_to_json(fault_rules.rules());
      return res;
    }
    if (req.method == "DELETE") {
      fault_rules.clear();
      res.body = "[]";
      return res;
    }
    if (req.method != "POST") return fault_response(405, "MethodNotAllowed", "use GET, POST or DELETE");
    auto cmd = parse_admin_command(req.body);
    if (!cmd) return fault_response(400, "BadRequest", cmd.error().message);
    switch (cmd->action) {
      case admin_action::add_rule: fault_rules.add(cmd->rule); break;
      case admin_action::drop_watches: api.drop_watches(); notify_watchers(); break;
      case admin_action::compact_history: api.compact_history(); break;
      case admin_action::restart: restart_after = true; break;
    }
    res.body = rules_to_json(fault_rules.rules());
    return res;
  }

  // See server_config::busy_poll_micros. Polls the socket (and TLS's own buffer) on this, the only io thread: only
  // while no other connection but watches is open, so that serving several clients never waits on one of them.
  void poll_for_next_request(session& s) {
    if (config.busy_poll_micros <= 0 || SSL_pending(s.stream.native_handle()) > 0) return;
    for (const auto& other : sessions)
      if (other.get() != &s && !other->in_watch && !other->closing) return;
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(config.busy_poll_micros);
    boost::system::error_code ec;
    while (s.stream.next_layer().available(ec) == 0 && !ec && std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();   // a busy machine runs the client (or anything else) here instead
    }
  }

  asio::awaitable<bool> write(session& s, const std::string& bytes) {
    auto [ec, n] = co_await asio::async_write(s.stream, asio::buffer(bytes), use_tuple);
    co_return !ec;
  }

  // The `reset` fault (`hard`: a TCP reset) and the end of a `truncate` (a FIN after the bytes sent, which a reset
  // could discard): the connection closes at once, without TLS close_notify.
  static void cut(session& s, bool hard) {
    boost::system::error_code ec;
    if (hard) {
      s.stream.lowest_layer().set_option(tcp::socket::linger(true, 0), ec);
    } else {
      s.stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    }
    s.stream.lowest_layer().close(ec);
    s.closing = true;
  }

  // Streams one watch until it ends, the client goes away or the server stops; the connection closes afterwards.
  // A `truncate` fault ends it in the middle of a chunk and an event line; a `malformed` one sends its line first.
  asio::awaitable<void> stream_watch(session& s, const handled& h, bool keep_alive, const fault_decision& fault) {
    std::string first = net::serialize_chunked_head(h.head, keep_alive);
    if (fault.kind == fault_kind::truncate) {
      const std::string line = R"({"type":"ADDED","object":{"apiVersion":"v1","kind":"Unknown","metadata":{}}})" "\n";
      net::append_chunk(first, line);
      first.resize(first.size() - 2 - line.size() + line.size() / 2);
      if (co_await write(s, first)) cut(s, false);
      co_return;
    }
    if (fault.kind == fault_kind::malformed) net::append_chunk(first, malformed_watch_line(fault.shape) + "\n");
    if (!co_await write(s, first)) co_return;
    s.in_watch = true;
    s.deadline = std::chrono::steady_clock::time_point::max();
    std::vector<std::string> events;
    for (;;) {
      s.notified = false;
      events.clear();
      bool more = !s.closing && h.watch->poll(events, wall_now());
      std::string out;
      for (const auto& e : events) net::append_chunk(out, e);
      if (!more) net::append_chunk(out, {});
      if (!out.empty() && !co_await write(s, out)) co_return;
      if (!more) co_return;
      if (!events.empty() || s.notified) continue;
      auto wait_us = h.watch->next_deadline().unix_micros - wall_now().unix_micros;
      s.wake.expires_after(std::chrono::microseconds(std::clamp<std::int64_t>(wait_us, 0, 3'600'000'000LL)));
      co_await s.wake.async_wait(use_tuple);
    }
  }

  asio::awaitable<void> serve(std::shared_ptr<session> s) {
    try {
      co_await serve_requests(*s);
    } catch (...) {
      // Nothing may escape into the io_context; the connection is simply closed.
    }
    boost::system::error_code ec;
    s->stream.lowest_layer().close(ec);
    sessions.remove(s);
    --connection_count;
    if (stopping && sessions.empty()) force_stop.cancel();
  }

  asio::awaitable<void> serve_requests(session& s) {
    auto [hec] = co_await s.stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (hec) co_return;
    s.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.idle_timeout_ms);
    net::request_reader reader(config.api.max_body_bytes);
    bool answered = false;
    std::string inbuf;
    std::array<char, 16384> chunk{};
    while (!s.closing) {
      auto st = net::request_reader::state::need_more;
      for (;;) {
        std::size_t used = 0;
        if (!inbuf.empty()) st = reader.feed(inbuf, used);
        inbuf.erase(0, used);
        if (st != net::request_reader::state::need_more) break;
        if (answered && inbuf.empty()) poll_for_next_request(s);
        auto [ec, n] = co_await s.stream.async_read_some(asio::buffer(chunk), use_tuple);
        if (ec || s.closing) co_return;
        inbuf.append(chunk.data(), n);
      }
      if (st == net::request_reader::state::failed) {
        int code = reader.failure_status();
        co_await write(s, net::serialize_response(fault_response(code, status_reason(code), reader.failure_message()),
                                                  false));
        co_return;
      }
      request req = reader.take();
      bool keep_alive = reader.keep_alive() && !stopping;
      std::string_view path = std::string_view(req.target).substr(0, req.target.find('?'));
      s.deadline = std::chrono::steady_clock::time_point::max();  // busy, not idle

      bool restart_after = false;
      handled h;
      fault_decision fault;
      std::optional<std::string> user = authn.authenticate(req, path);
      if (user) req.user = std::move(*user);
      if (!user) {
        h.head = fault_response(401, "Unauthorized", "Unauthorized");
      } else if (config.admin && path == "/admin/faults") {
        if (config.rbac && req.user != net::admin_user) {
          h.head = forbidden(req);
        } else {
          h.head = admin(req, restart_after);
          keep_alive = keep_alive && !restart_after;
        }
      } else {
        fault = fault_rules.on_request(resolve_request(req.method, req.target));
        if (fault.latency_ms > 0) {
          asio::steady_timer delay(ioc, std::chrono::milliseconds(fault.latency_ms));
          co_await delay.async_wait(use_tuple);
          if (s.closing) co_return;
        }
        if (fault.kind == fault_kind::reset) {
          cut(s, true);
          co_return;
        }
        if (fault.failure) {
          h.head = std::move(*fault.failure);
        } else {
          h = api.handle(req, wall_now());
        }
      }
      if (h.watch) {
        co_await stream_watch(s, h, false, fault);
        co_return;
      }
      if (fault.kind == fault_kind::malformed) h.head.body = malformed_body(h.head.body, fault.shape);
      std::string out = net::serialize_response(h.head, keep_alive);
      if (fault.kind == fault_kind::truncate) {
        // The head and half the body (half the head when there is no body), then the connection goes.
        const std::size_t body = h.head.body.size();
        out.resize(body > 1 ? out.size() - body + body / 2 : (out.size() - body) / 2);
        if (co_await write(s, out)) cut(s, false);
        co_return;
      }
      if (!co_await write(s, out)) co_return;
      answered = true;
      if (restart_after) close_all();
      if (!keep_alive) break;
      s.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.idle_timeout_ms);
    }
    // A clean TLS close (close_notify) after the last response; the peer may already be gone.
    if (!s.closing) {
      boost::system::error_code ec;
      s.stream.lowest_layer().shutdown(tcp::socket::shutdown_receive, ec);
      co_await s.stream.async_shutdown(use_tuple);
    }
  }

  // Runs `fn` on the io thread and waits; runs it directly when already there or when the thread has ended.
  void run_on_io(const std::function<void()>& fn) {
    bool direct = false;
    {
      std::lock_guard lock(stop_mutex);
      direct = stopped || std::this_thread::get_id() == thread_id;
    }
    if (direct) {
      fn();
      return;
    }
    std::promise<void> done;
    asio::post(ioc, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
};

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
server::~server() { stop(); }

namespace {

result<tcp::endpoint> parse_listen(const std::string& listen) {
  auto fail = [&](std::string why) {
    return error{.code = 400, .reason = "BadRequest", .message = "invalid --listen \"" + listen + "\": " + why,
                 .causes = {}};
  };
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return fail("expected host:port");
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return fail("the host must be an IP address");
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) return fail("the port must be 0-65535");
  return tcp::endpoint(addr, static_cast<unsigned short>(port));
}

// Opens, binds and listens; on failure the acceptor is closed again.
boost::system::result<void> bind_listener(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return ec;
  }
  return {};
}

}  // namespace

result<std::unique_ptr<server>> server::start(server_config config) {
  auto endpoint = parse_listen(config.listen);
  if (!endpoint) return std::move(endpoint).error();
  std::optional<net::data_dir> data;
  if (config.data_dir) {
    auto opened = net::data_dir::open(*config.data_dir);
    if (!opened) return std::move(opened).error();
    data.emplace(std::move(*opened));
  }
  // Explicit certificates and tokens win over what the data directory keeps from earlier starts.
  result<tls_material> tls = config.cert_file && config.key_file ? load_tls_material(*config.cert_file, *config.key_file)
                             : config.cert_file || config.key_file
                                 ? result<tls_material>(error{.code = 400, .reason = "BadRequest",
                                                              .message = "--cert and --key must be given together",
                                                              .causes = {}})
                             : data ? data->tls()
                                    : generate_tls_material();
  if (!tls) return std::move(tls).error();
  result<std::string> token = config.token ? result<std::string>(*config.token)
                              : data       ? data->token(random_token)
                                           : result<std::string>(random_token());
  if (!token) return std::move(token).error();
  if (auto valid = net::validate_tokens(config.tokens, *token); !valid) return std::move(valid).error();
  if (config.rbac) {
    if (config.api.access) {
      return error{.code = 400, .reason = "BadRequest",
                   .message = "server_config: set rbac or api.access, not both", .causes = {}};
    }
    config.api.access = make_rbac_access({.superusers = {std::string(net::admin_user)}, .audit = config.rbac_audit});
    config.api.rules = make_rbac_rules({.superusers = {std::string(net::admin_user)}});
  }

  auto p = std::make_unique<impl>(std::move(config));
  impl& m = *p;
  m.tls = std::move(*tls);
  m.token = std::move(*token);
  if (data) {
    std::function<void(const std::string&)> warn = m.config.warn;
    if (!warn) warn = [](const std::string& w) { std::cerr << "fake-apiserver: " << w << "\n"; };
    if (auto restored = m.api.persist_to(data->store_path(), std::move(warn)); !restored)
      return std::move(restored).error();
  }
  m.authn = net::token_authenticator{.admin_token = m.token, .tokens = m.config.tokens,
                                     .anonymous = m.config.anonymous};
  // As kube-apiserver's bootstrap policy: discovery, version and health stay readable to every user under RBAC.
  if (m.config.rbac) {
    for (auto& [key, object] : bootstrap_rbac_objects()) {
      // A restarted server with a data directory finds them there, as kube-apiserver finds its policy in etcd.
      if (auto created = m.api.store().create(key, "", std::move(object), wall_now());
          !created && created.error().code != 409) {
        return net::startup_error("creating the bootstrap RBAC policy failed: " + habop::describe(created.error()));
      }
    }
  }

  boost::system::error_code ec;
  m.ssl_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                        ec);
  SSL_CTX_set_min_proto_version(m.ssl_ctx.native_handle(), TLS1_2_VERSION);
  m.ssl_ctx.use_certificate_chain(asio::buffer(m.tls.server_cert_pem), ec);
  if (ec) return net::startup_error("loading the server certificate failed: " + ec.message());
  m.ssl_ctx.use_private_key(asio::buffer(m.tls.server_key_pem), ssl::context::pem, ec);
  if (ec) return net::startup_error("loading the server key failed: " + ec.message());

  // With a data directory, port 0 means the port of the last start, so that its kubeconfig stays valid.
  const std::optional<std::uint16_t> remembered = data && endpoint->port() == 0 ? data->remembered_port() : std::nullopt;
  if (remembered) {
    if (!bind_listener(m.acceptor, tcp::endpoint(endpoint->address(), *remembered))) {
      std::cerr << "fake-apiserver: port " << *remembered << " of the last start (" << data->path()
                << "/port) is taken; listening on a new one: clients need the new kubeconfig\n";
    }
  }
  if (!m.acceptor.is_open()) {
    if (auto bound = bind_listener(m.acceptor, *endpoint); !bound)
      return net::startup_error("cannot listen on " + m.config.listen + ": " + bound.error().message());
  }
  m.port = m.acceptor.local_endpoint(ec).port();
  if (data)
    if (auto w = data->remember_port(m.port); !w) return std::move(w).error();
  if (data) m.data.emplace(std::move(*data));
  auto addr = endpoint->address();
  if (addr.is_unspecified()) addr = addr.is_v6() ? asio::ip::address(asio::ip::address_v6::loopback())
                                                 : asio::ip::address(asio::ip::address_v4::loopback());
  m.host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();

  if (m.config.simulate_workloads) m.sim = std::make_unique<workload_simulator>(m.api.store(), m.config.simulation);
  m.api.set_change_listener([&m] { m.notify_watchers(); });

  std::unique_ptr<server> srv(new server(std::move(p)));
  if (m.config.kubeconfig_out) {
    if (auto w = net::write_private_file(*m.config.kubeconfig_out, srv->kubeconfig()); !w) return std::move(w).error();
  }
  asio::co_spawn(m.ioc, m.accept_loop(), asio::detached);
  asio::co_spawn(m.ioc, m.tick_loop(), asio::detached);
  m.thread = std::thread([&m] { m.ioc.run(); });
  {
    std::lock_guard lock(m.stop_mutex);
    m.thread_id = m.thread.get_id();
  }
  return srv;
}

std::string server::address() const { return "https://" + impl_->host + ":" + std::to_string(impl_->port); }
std::uint16_t server::port() const { return impl_->port; }
std::string server::kubeconfig() const {
  return make_kubeconfig(address(), impl_->tls.ca_cert_pem, impl_->token, impl_->config.context_name);
}
const std::string& server::token() const { return impl_->token; }
const std::string& server::ca_pem() const { return impl_->tls.ca_cert_pem; }
faults& server::fault_injector() { return impl_->fault_rules; }
std::size_t server::connection_count() const { return impl_->connection_count.load(); }

void server::with_api(const std::function<void(api_server&, instant)>& fn) {
  impl_->run_on_io([&] {
    fn(impl_->api, wall_now());
    impl_->notify_watchers();
  });
}

void server::drop_watches() {
  impl_->run_on_io([this] {
    impl_->api.drop_watches();
    impl_->notify_watchers();
  });
}

void server::compact_history() {
  impl_->run_on_io([this] { impl_->api.compact_history(); });
}

void server::restart_keeping_state() {
  impl_->run_on_io([this] { impl_->close_all(); });
}

void server::stop() {
  if (!impl_) return;
  impl& m = *impl_;
  {
    std::lock_guard lock(m.stop_mutex);
    if (m.stopped || !m.thread.joinable()) return;
    if (std::this_thread::get_id() == m.thread_id) return;  // cannot join ourselves; the destructor will
  }
  asio::post(m.ioc, [&m] { m.begin_stop(); });
  m.thread.join();
  {
    std::lock_guard lock(m.stop_mutex);
    m.stopped = true;
  }
  // Run anything posted while the thread was ending (with_api callers waiting on it).
  m.ioc.restart();
  m.ioc.poll();
}

}  // namespace habop::fake
