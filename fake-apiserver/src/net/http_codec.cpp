// HTTP/1.1 framing: Beast's request parser fed incrementally, and hand-written response serialization.
#include "http_codec.hpp"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdio>
#include <optional>

namespace habop::fake::net {
namespace http = boost::beast::http;

struct request_reader::impl {
  std::optional<http::request_parser<http::string_body>> parser;
};

namespace {

void arm(std::optional<http::request_parser<http::string_body>>& p, std::size_t body_limit,
         std::size_t header_limit) {
  p.emplace();
  p->eager(true);
  p->body_limit(body_limit);
  p->header_limit(static_cast<std::uint32_t>(header_limit));
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

void append_head(std::string& out, const response& res, bool keep_alive) {
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += reason_phrase(res.status);
  out += "\r\n";
  for (const auto& [name, value] : res.headers) {
    // Header injection guard: a value with CR or LF would split the response.
    if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
}

}  // namespace

request_reader::request_reader(std::size_t body_limit, std::size_t header_limit)
    : impl_(std::make_unique<impl>()), body_limit_(body_limit), header_limit_(header_limit) {
  arm(impl_->parser, body_limit_, header_limit_);
}

request_reader::~request_reader() = default;

request_reader::state request_reader::feed(std::string_view data, std::size_t& consumed) {
  consumed = 0;
  auto& p = *impl_->parser;
  while (consumed < data.size() && !p.is_done()) {
    boost::beast::error_code ec;
    std::size_t n = p.put(boost::asio::const_buffer(data.data() + consumed, data.size() - consumed), ec);
    consumed += n;
    if (ec == http::error::need_more) return state::need_more;
    if (ec) {
      failure_status_ = ec == http::error::body_limit ? 413 : ec == http::error::header_limit ? 431 : 400;
      failure_message_ = failure_status_ == 413 ? "the request body is too large"
                         : failure_status_ == 431 ? "the request headers are too large"
                                                  : "malformed HTTP request: " + ec.message();
      return state::failed;
    }
    if (n == 0) break;
  }
  return p.is_done() ? state::done : state::need_more;
}

request request_reader::take() {
  auto& msg = impl_->parser->get();
  request out;
  out.method = std::string(msg.method_string());
  out.target = std::string(msg.target());
  for (const auto& field : msg) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = std::move(msg.body());
  keep_alive_ = msg.keep_alive();
  arm(impl_->parser, body_limit_, header_limit_);
  return out;
}

std::string serialize_response(const response& res, bool keep_alive) {
  std::string out;
  out.reserve(res.body.size() + 256);
  append_head(out, res, keep_alive);
  out += "Content-Length: ";
  out += std::to_string(res.body.size());
  out += "\r\n\r\n";
  out += res.body;
  return out;
}

std::string serialize_chunked_head(const response& head, bool keep_alive) {
  std::string out;
  append_head(out, head, keep_alive);
  out += "Transfer-Encoding: chunked\r\n\r\n";
  return out;
}

void append_chunk(std::string& out, std::string_view data) {
  char size[20];
  int len = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out.append(size, static_cast<std::size_t>(len));
  out += data;
  out += "\r\n";  // for empty data this completes "0\r\n\r\n": the last chunk and an empty trailer
}

}  // namespace habop::fake::net
