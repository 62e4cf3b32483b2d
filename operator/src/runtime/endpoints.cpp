// The probe and metrics HTTP server: Beast over a plain TCP acceptor per address, one I/O thread.
#include <habop/operator/endpoints.hpp>

#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace habop::op {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> serve(beast::tcp_stream stream, const endpoint_handler& handler) {
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(std::chrono::seconds(30));
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024);
    auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    if (rec) break;
    const auto& req = parser.get();
    bhttp::response<bhttp::string_body> res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
      res.result(bhttp::status::method_not_allowed);
      res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
      res.body() = "method not allowed\n";
    } else {
      std::string_view target = req.target();
      endpoint_reply reply{500, "text/plain; charset=utf-8", "internal error\n"};
      try {
        reply = handler(target.substr(0, target.find('?')));
      } catch (...) {
        // A handler must not take the server down; answer 500.
      }
      res.result(static_cast<unsigned>(reply.status));
      res.set(bhttp::field::content_type, reply.content_type);
      if (req.method() == bhttp::verb::get) res.body() = std::move(reply.body);
    }
    res.prepare_payload();
    auto [wec, wn] = co_await bhttp::async_write(stream, res, use_tuple);
    if (wec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const endpoint_handler& handler) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), serve(beast::tcp_stream(std::move(socket)), handler), asio::detached);
  }
}

}  // namespace

struct endpoint_server::impl {
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::uint16_t> ports;
  endpoint_handler handler;
  std::thread thread;
};

endpoint_server::endpoint_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

endpoint_server::~endpoint_server() {
  asio::post(impl_->ioc, [p = impl_.get()] {
    for (auto& a : p->acceptors) {
      boost::system::error_code ignored;
      a->close(ignored);
    }
  });
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

result<std::unique_ptr<endpoint_server>> endpoint_server::start(const std::vector<bind_address>& addresses,
                                                                endpoint_handler handler) {
  auto p = std::make_unique<impl>();
  p->handler = std::move(handler);
  for (const auto& a : addresses) {
    boost::system::error_code ec;
    const auto address = a.host.empty() ? asio::ip::address(asio::ip::address_v6::any())
                                        : asio::ip::make_address(a.host, ec);
    const std::string shown = (a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host) + ":" +
                              std::to_string(a.port);
    if (ec) return error{400, "BadRequest", "cannot listen on " + shown + ": not an IP address", {}};
    auto acceptor = std::make_unique<tcp::acceptor>(p->ioc);
    const tcp::endpoint endpoint(address, a.port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return error{400, "BadRequest", "cannot listen on " + shown + ": " + ec.message(), {}};
    p->ports.push_back(acceptor->local_endpoint().port());
    p->acceptors.push_back(std::move(acceptor));
  }
  for (auto& a : p->acceptors) asio::co_spawn(p->ioc, accept_loop(*a, p->handler), asio::detached);
  p->thread = std::thread([raw = p.get()] {
    for (;;) {
      try {
        raw->ioc.run();
        return;
      } catch (...) {
        // Keep serving probes even if one connection's handler misbehaved.
      }
    }
  });
  return std::unique_ptr<endpoint_server>(new endpoint_server(std::move(p)));
}

const std::vector<std::uint16_t>& endpoint_server::ports() const { return impl_->ports; }

}  // namespace habop::op
