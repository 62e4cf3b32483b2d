// The HTTPS client: Beast over OpenSSL (tls_stream.hpp) run by each calling thread on a pooled lane, streamed watch
// bodies.
#include <habop/operator/client.hpp>

#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "credentials.hpp"
#include "tls_stream.hpp"

namespace habop::op {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct server_url {
  std::string host;       ///< Without brackets.
  std::string port = "443";
  std::string base_path;  ///< Prefix of every request path, without a trailing slash.
};

error transport(std::string message, std::string reason = "TransportError") {
  return error{transport_error_code, std::move(reason), std::move(message), {}};
}

result<server_url> parse_server(std::string_view server) {
  constexpr std::string_view scheme = "https://";
  if (server.substr(0, scheme.size()) != scheme) {
    return error{400, "BadRequest", "server " + std::string(server) + ": only https:// is supported", {}};
  }
  std::string_view rest = server.substr(scheme.size());
  server_url url;
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    url.base_path = std::string(rest.substr(slash));
    while (!url.base_path.empty() && url.base_path.back() == '/') url.base_path.pop_back();
    rest = rest.substr(0, slash);
  }
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return error{400, "BadRequest", "server: unclosed [ in host", {}};
    url.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') url.port = std::string(rest.substr(1));
  } else {
    const auto colon = rest.rfind(':');
    url.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) url.port = std::string(rest.substr(colon + 1));
  }
  if (url.host.empty() || url.port.empty()) return error{400, "BadRequest", "server: missing host or port", {}};
  return url;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

struct connection {
  connection(asio::io_context& ioc, ssl::context& ctx) : stream(ioc, ctx.native_handle()) {}
  detail::tls_stream stream;
  beast::flat_buffer buffer;
};

/// The process-wide client-side limit: a token bucket whose waiters sleep outside the lock.
class token_bucket {
 public:
  token_bucket(double qps, int burst) : qps_(qps), burst_(burst), tokens_(burst) {}
  void acquire() {
    if (qps_ <= 0) return;
    std::chrono::duration<double> wait{0};
    {
      std::lock_guard lock(mutex_);
      const auto now = std::chrono::steady_clock::now();
      tokens_ = std::min<double>(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * qps_);
      last_ = now;
      tokens_ -= 1;
      if (tokens_ < 0) wait = std::chrono::duration<double>(-tokens_ / qps_);
    }
    if (wait.count() > 0) std::this_thread::sleep_for(wait);
  }

 private:
  std::mutex mutex_;
  double qps_;
  int burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

response to_response(bhttp::response<bhttp::string_body>&& m) {
  response r;
  r.status = static_cast<int>(m.result_int());
  for (const auto& f : m) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  r.body = std::move(m.body());
  return r;
}

/// Where one caller's request runs: an io_context driven by the calling thread for the duration of the call, and
/// the keep-alive connection it left behind. A lane is used by one thread at a time; no I/O thread is involved, so
/// a request costs no thread hop on the operator's side (each hop waits for a time slice on a busy machine).
struct lane {
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<connection>> idle;  ///< After `ioc`: connections are destroyed first.
  connection* watching = nullptr;                 ///< The open watch stream, closed by `cancel_watches`.
};

/// Runs `task` on `l`'s io_context in the calling thread until it completes; `on_exception` if it threw.
template <class T>
T run_on(lane& l, asio::awaitable<T> task, T on_exception) {
  std::optional<T> out;
  asio::co_spawn(
      l.ioc,
      [&out, t = std::move(task)]() mutable -> asio::awaitable<void> {
        T value = co_await std::move(t);  // A named value: g++ 12 mishandles temporaries across a co_await.
        out.emplace(std::move(value));
      },
      [](std::exception_ptr) {});
  l.ioc.restart();
  l.ioc.run();
  if (!out) return on_exception;
  return std::move(*out);
}

}  // namespace

struct client::impl {
  impl(const client_config& config, client_options options, server_url url)
      : options(std::move(options)), url(std::move(url)), creds(config), bucket(this->options.qps, this->options.burst),
        insecure(config.insecure_skip_tls_verify) {
    verify_name = config.tls_server_name.empty() ? this->url.host : config.tls_server_name;
    verify_name_is_ip = is_ip_literal(verify_name);
    host_header = this->url.host.find(':') != std::string::npos ? "[" + this->url.host + "]" : this->url.host;
    if (this->url.port != "443") host_header += ":" + this->url.port;
  }

  client_options options;
  server_url url;
  credentials creds;
  token_bucket bucket;
  bool insecure = false;
  std::string verify_name;
  bool verify_name_is_ip = false;
  std::string host_header;

  // The TLS context outlives every lane: their connections hold SSL streams made from it.
  ssl::context ctx{ssl::context::tls_client};

  std::mutex lanes_mutex;
  std::vector<std::unique_ptr<lane>> free_lanes;  ///< LIFO: the busiest callers find their connection warm.
  std::set<lane*> watch_lanes;                    ///< Lanes streaming a watch now.
  std::atomic<bool> watches_cancelled{false};

  std::unique_ptr<lane> take_lane() {
    std::lock_guard lock(lanes_mutex);
    if (free_lanes.empty()) return std::make_unique<lane>();
    auto l = std::move(free_lanes.back());
    free_lanes.pop_back();
    return l;
  }

  void give_back(std::unique_ptr<lane> l) {
    std::lock_guard lock(lanes_mutex);
    if (!l->idle.empty() && free_lanes.size() < options.max_idle_connections) free_lanes.push_back(std::move(l));
  }

  bhttp::request<bhttp::string_body> to_message(const http::request& req) {
    bhttp::request<bhttp::string_body> m;
    m.method_string(req.method);
    m.target(url.base_path + req.target());
    m.version(11);
    m.set(bhttp::field::host, host_header);
    m.set(bhttp::field::user_agent, options.user_agent);
    m.set(bhttp::field::accept, "application/json");
    bool has_content_type = false;
    for (const auto& [k, v] : req.headers) {
      m.set(k, v);
      has_content_type = has_content_type || beast::iequals(k, "Content-Type");
    }
    if (!req.body.empty() && !has_content_type) m.set(bhttp::field::content_type, "application/json");
    if (auto auth = creds.authorization(); !auth.empty()) m.set(bhttp::field::authorization, auth);
    m.body() = req.body;
    m.prepare_payload();
    return m;
  }

  asio::awaitable<result<std::unique_ptr<connection>>> open(lane& l, std::chrono::milliseconds timeout) {
    auto c = std::make_unique<connection>(l.ioc, ctx);
    // Resolved synchronously: the caller waits anyway, and Asio's async resolver would start a thread per lane.
    tcp::resolver resolver(l.ioc);
    boost::system::error_code rec;
    auto endpoints = resolver.resolve(url.host, url.port, rec);
    if (rec) co_return transport("resolving " + url.host + ": " + rec.message());
    auto& tcp_layer = beast::get_lowest_layer(c->stream);
    tcp_layer.expires_after(timeout);
    auto [cec, ep] = co_await tcp_layer.async_connect(endpoints, use_tuple);
    if (cec) co_return transport("connecting to " + host_header + ": " + cec.message());
    tcp_layer.socket().set_option(tcp::no_delay(true));
    if (!c->stream.expect_server_name(verify_name, verify_name_is_ip, !insecure)) {
      co_return transport("setting the TLS server name " + verify_name + " failed");
    }
    auto [hec, hn] = co_await c->stream.async_handshake(use_tuple);
    if (hec) {
      const std::string why = c->stream.verify_failure();
      co_return transport("TLS handshake with " + host_header + ": " + hec.message() + (why.empty() ? "" : ": " + why));
    }
    co_return c;
  }

  asio::awaitable<result<response>> exchange(lane& l, const bhttp::request<bhttp::string_body>& m) {
    // What may go again after a reused connection failed with no byte of reply: as Go's net/http, only a request
    // that changes nothing. A write may have been applied before the connection broke.
    const bool replayable = m.method() == bhttp::verb::get || m.method() == bhttp::verb::head ||
                            m.method() == bhttp::verb::options;
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<connection> c;
      while (attempt == 0 && !l.idle.empty() && !c) {
        c = std::move(l.idle.back());
        l.idle.pop_back();
        if (c->stream.closed_while_idle()) c.reset();
      }
      const bool reused = c != nullptr;
      if (!reused) {
        auto opened = co_await open(l, options.request_timeout);
        if (!opened) co_return std::move(opened).error();
        c = std::move(*opened);
      }
      auto& tcp_layer = beast::get_lowest_layer(c->stream);
      tcp_layer.expires_after(options.request_timeout);
      auto [wec, wn] = co_await bhttp::async_write(c->stream, m, use_tuple);
      if (wec) {
        if (reused) continue;  // The server closed an idle keep-alive connection: retry on a fresh one.
        co_return transport("sending request: " + wec.message());
      }
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(std::uint64_t{256} << 20);
      auto [rec, rn] = co_await bhttp::async_read(c->stream, c->buffer, parser, use_tuple);
      if (rec) {
        // Closed as the request went out (EOF, reset before any byte): a read goes again on a fresh connection. Not
        // a write, nor after a timeout: the server may have applied or be applying it.
        if (reused && replayable && !parser.got_some() && rec != beast::error::timeout) continue;
        co_return transport("reading reply: " + rec.message());
      }
      const bool keep = parser.keep_alive();
      response r = to_response(parser.release());
      if (keep) {
        tcp_layer.expires_never();
        // A big reply (a LIST page) must not leave its buffer behind in an idle connection.
        if (c->buffer.capacity() > 64 * 1024 && c->buffer.size() == 0) c->buffer.shrink_to_fit();
        l.idle.push_back(std::move(c));
      }
      co_return r;
    }
  }

  asio::awaitable<status> stream_watch(lane& l, const bhttp::request<bhttp::string_body>& m,
                                       const std::function<bool(std::string_view)>& on_line) {
    auto opened = co_await open(l, options.request_timeout);
    if (!opened) co_return std::move(opened).error();
    std::unique_ptr<connection> c = std::move(*opened);
    // Checked and registered without a suspension in between: `cancel_watches` either sees the stream or we see
    // the flag.
    if (watches_cancelled) co_return transport("client is shutting down", "Cancelled");
    l.watching = c.get();
    struct unregister {
      lane& l;
      ~unregister() { l.watching = nullptr; }
    } guard{l};
    auto& tcp_layer = beast::get_lowest_layer(c->stream);
    tcp_layer.expires_after(options.request_timeout);
    auto [wec, wn] = co_await bhttp::async_write(c->stream, m, use_tuple);
    if (wec) co_return transport(watches_cancelled ? "cancelled" : "sending watch: " + wec.message(),
                                 watches_cancelled ? "Cancelled" : "TransportError");
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    auto [hec, hn] = co_await bhttp::async_read_header(c->stream, c->buffer, parser, use_tuple);
    if (hec) co_return transport(watches_cancelled ? "cancelled" : "reading watch reply: " + hec.message(),
                                 watches_cancelled ? "Cancelled" : "TransportError");
    if (parser.get().result_int() != 200) {
      parser.body_limit(std::uint64_t{16} << 20);
      auto [bec, bn] = co_await bhttp::async_read(c->stream, c->buffer, parser, use_tuple);
      if (bec) co_return transport("reading watch error: " + bec.message());
      co_return to_error(to_response(parser.release()));
    }
    std::string& body = parser.get().body();
    while (!parser.is_done()) {
      tcp_layer.expires_after(options.watch_idle_timeout);
      auto [rec, rn] = co_await bhttp::async_read_some(c->stream, c->buffer, parser, use_tuple);
      if (rec) {
        if (watches_cancelled) co_return transport("cancelled", "Cancelled");
        co_return transport("watch stream: " + rec.message());
      }
      // Lines are handed over on this (the caller's) thread: a slow consumer only delays its own stream.
      std::size_t start = 0;
      for (auto nl = body.find('\n'); nl != std::string::npos; nl = body.find('\n', start)) {
        if (nl > start && !on_line(std::string_view(body).substr(start, nl - start))) co_return ok;
        start = nl + 1;
      }
      body.erase(0, start);
      if (body.capacity() > 64 * 1024 && body.size() < 1024) body.shrink_to_fit();  // After one huge event.
    }
    if (!body.empty()) on_line(body);   // the last line: nothing follows to end early
    co_return ok;
  }
};

client::client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

client::~client() { cancel_watches(); }

result<std::unique_ptr<client>> client::create(const client_config& config, client_options options) {
  auto url = parse_server(config.server);
  if (!url) return std::move(url).error();
  auto p = std::make_unique<impl>(config, std::move(options), std::move(*url));
  if (!config.proxy_url.empty() && p->options.on_warning) {
    p->options.on_warning("proxy-url is not supported; connecting to the server directly");
  }
  boost::system::error_code ec;
  p->ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  // An idle connection (a quiet watch, a worker's lane between writes) gives its ~34 KB of record buffers back.
  SSL_CTX_set_mode(p->ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  if (config.insecure_skip_tls_verify) {
    p->ctx.set_verify_mode(ssl::verify_none);
  } else {
    p->ctx.set_verify_mode(ssl::verify_peer);
    if (config.ca_pem.empty()) {
      p->ctx.set_default_verify_paths(ec);
    } else {
      p->ctx.add_certificate_authority(asio::buffer(config.ca_pem), ec);
    }
    if (ec) return error{400, "BadRequest", "certificate-authority: unusable CA data: " + ec.message(), {}};
  }
  std::string cert_pem = config.client_cert_pem;
  std::string key_pem = config.client_key_pem;
  if (auto exec = p->creds.initial_exec()) {
    if (!*exec) return std::move(*exec).error();
    if (!(*exec)->client_cert_pem.empty()) {
      cert_pem = (*exec)->client_cert_pem;
      key_pem = (*exec)->client_key_pem;
    }
  }
  if (!cert_pem.empty()) {
    p->ctx.use_certificate_chain(asio::buffer(cert_pem), ec);
    if (ec) return error{400, "BadRequest", "client-certificate: unusable certificate data: " + ec.message(), {}};
    p->ctx.use_private_key(asio::buffer(key_pem), ssl::context::pem, ec);
    if (ec) return error{400, "BadRequest", "client-key: unusable key data", {}};
  }
  return std::unique_ptr<client>(new client(std::move(p)));
}

result<response> client::send(const http::request& req) {
  impl_->bucket.acquire();
  for (int attempt = 0;; ++attempt) {
    const auto message = impl_->to_message(req);
    auto l = impl_->take_lane();
    result<response> r = run_on<result<response>>(*l, impl_->exchange(*l, message),
                                                   transport("request failed: unexpected exception"));
    impl_->give_back(std::move(l));
    if (impl_->options.on_request) impl_->options.on_request(req.method, r ? r->status : transport_error_code);
    if (r && r->status == 401 && attempt == 0 && impl_->creds.refreshable()) {
      impl_->creds.invalidate();
      continue;
    }
    return r;
  }
}

status client::watch(const http::request& req, const std::function<bool(std::string_view)>& on_line) {
  impl_->bucket.acquire();
  for (int attempt = 0;; ++attempt) {
    if (impl_->watches_cancelled) return transport("client is shutting down", "Cancelled");
    // A lane of its own (never pooled): the stream holds its connection until it ends.
    auto l = std::make_unique<lane>();
    {
      std::lock_guard lock(impl_->lanes_mutex);
      impl_->watch_lanes.insert(l.get());
    }
    const auto message = impl_->to_message(req);
    status s = run_on<status>(*l, impl_->stream_watch(*l, message, on_line), transport("watch failed"));
    {
      std::lock_guard lock(impl_->lanes_mutex);
      impl_->watch_lanes.erase(l.get());
    }
    const int code = s ? 200 : s.error().code;
    if (impl_->options.on_request) impl_->options.on_request("GET", code);
    if (!s && code == 401 && attempt == 0 && impl_->creds.refreshable()) {
      impl_->creds.invalidate();
      continue;
    }
    return s;
  }
}

void client::cancel_watches() {
  std::lock_guard lock(impl_->lanes_mutex);
  impl_->watches_cancelled = true;
  // Each stream is closed on its own lane, by the thread running it: the pending read completes with an error.
  for (lane* l : impl_->watch_lanes) {
    asio::post(l->ioc, [l] {
      if (!l->watching) return;
      boost::system::error_code ignored;
      beast::get_lowest_layer(l->watching->stream).socket().close(ignored);
    });
  }
}

}  // namespace habop::op
