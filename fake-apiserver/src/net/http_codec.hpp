// HTTP/1.1 framing for the fake-apiserver: an incremental request reader (Beast's parser) and response writers.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <habop/fake_apiserver/api_server.hpp>

namespace habop::fake::net {

/// Parses one request at a time from bytes fed as they arrive; keeps no bytes of its own beyond the message.
class request_reader {
 public:
  enum class state { need_more, done, failed };

  request_reader(std::size_t body_limit, std::size_t header_limit = 64 * 1024);
  ~request_reader();
  request_reader(const request_reader&) = delete;
  request_reader& operator=(const request_reader&) = delete;

  /// Consumes a prefix of `data`; `consumed` says how much. `done` once a whole request has been read; `failed` on
  /// malformed input or a limit (see `failure_status`). Bytes after a complete request are left unconsumed.
  state feed(std::string_view data, std::size_t& consumed);
  /// The request read (valid after `done`); resets the reader for the next one.
  request take();
  /// Whether the client wants the connection kept open after the request just taken.
  bool keep_alive() const { return keep_alive_; }
  /// 400 for malformed input, 413 for a body over the limit, 431 for headers over the limit.
  int failure_status() const { return failure_status_; }
  /// Why the input failed, for the 400/413 Status message.
  const std::string& failure_message() const { return failure_message_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::size_t body_limit_ = 0;
  std::size_t header_limit_ = 0;
  bool keep_alive_ = true;
  int failure_status_ = 0;
  std::string failure_message_;
};

/// A complete response with `Content-Length` (plus `Connection: close` when the connection ends after it).
std::string serialize_response(const response& res, bool keep_alive);
/// The head of a chunked response (a watch): status line and headers with `Transfer-Encoding: chunked`.
std::string serialize_chunked_head(const response& head, bool keep_alive);
/// Appends one chunk holding `data` to `out`; empty `data` appends the terminating zero-length chunk.
void append_chunk(std::string& out, std::string_view data);

}  // namespace habop::fake::net
