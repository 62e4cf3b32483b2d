// The client's TLS stream: OpenSSL over a beast::tcp_stream through a BIO of our own, for client.cpp only.
//
// Why not asio::ssl::stream: its engine keeps, for the life of every connection, two 17 KB vectors and a BIO pair
// of two 17 KB buffers (~68 KB; 11 connections: 7 watches and 4 worker lanes, 0.75 MB of the operator's heap).
// Here OpenSSL writes records into a string that is sent and then freed, and reads ciphertext from an 8 KB buffer;
// with SSL_MODE_RELEASE_BUFFERS its own record buffers go back when a connection is idle. Timeouts and cancellation
// stay the tcp_stream's: every wait is a read or a write on it.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

namespace habop::op::detail {

/// A TLS client stream (Asio's AsyncReadStream and AsyncWriteStream) for Beast's HTTP algorithms.
class tls_stream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using next_layer_type = boost::beast::tcp_stream;

  /// The connection's TLS state, from `ctx` (its CA, client certificate, verify mode and options).
  tls_stream(boost::asio::io_context& ioc, SSL_CTX* ctx) : tcp_(ioc), ssl_(SSL_new(ctx)) {
    if (!ssl_) return;   // reported by the handshake
    BIO* bio = BIO_new(bio_method());
    if (!bio) return;
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);   // one reference, for both directions
    SSL_set_connect_state(ssl_);
    // Beast retries a write with what is left of its buffers, which may start elsewhere than the first try's.
    SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  ~tls_stream() { SSL_free(ssl_); }
  tls_stream(const tls_stream&) = delete;   // the BIO points at this object
  tls_stream& operator=(const tls_stream&) = delete;

  executor_type get_executor() noexcept { return tcp_.get_executor(); }
  next_layer_type& next_layer() noexcept { return tcp_; }
  SSL* native_handle() noexcept { return ssl_; }

  /// Sends SNI for a DNS name and checks the server's certificate names `name` (a DNS name, or an IP literal
  /// against its IP addresses) as Go's crypto/tls does for kubectl: subject alternative names only, no fallback
  /// to the subject's common name. The chain itself is verified by the context's verify mode.
  bool expect_server_name(const std::string& name, bool is_ip, bool verify) {
    if (!ssl_) return false;
    if (!is_ip && SSL_set_tlsext_host_name(ssl_, name.c_str()) != 1) return false;
    if (!verify) return true;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (is_ip) return X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1;
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
    return X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size()) == 1;
  }

  /// Why the last handshake's certificate check failed ("hostname mismatch", "unable to get local issuer
  /// certificate"), or "" when it did not.
  std::string verify_failure() const {
    if (!ssl_) return {};
    const long v = SSL_get_verify_result(ssl_);
    return v == X509_V_OK ? std::string() : X509_verify_cert_error_string(v);
  }

  /// Whether a kept-alive connection, idle since its last reply, can no longer carry a request: the server closed
  /// it (EOF, reset) or sent something unasked (its close_notify), now waiting in the socket or already read here.
  /// Checked before a request goes out rather than found after, when a write could not be sent again safely.
  bool closed_while_idle() {
    if (in_begin_ != in_end_) return true;
    char byte = 0;
    const ssize_t n = ::recv(tcp_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }

  template <class Token>
  auto async_handshake(Token&& token) {
    return run([](SSL* ssl, std::size_t& n) {
      n = 0;
      return SSL_do_handshake(ssl);
    }, std::forward<Token>(token));
  }

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    boost::asio::mutable_buffer target;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (boost::asio::mutable_buffer b(*it); b.size() > 0) {
        target = b;
        break;
      }
    }
    return run([target](SSL* ssl, std::size_t& n) {
      n = 0;
      if (target.size() == 0) return 1;   // Asio's rule: an empty read completes at once
      return SSL_read_ex(ssl, target.data(), target.size(), &n);
    }, std::forward<Token>(token));
  }

  /// Encrypts up to 64 KB of `buffers` at once (Beast's header and body become one socket write, not two).
  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    constexpr std::size_t max_chunk = 64 * 1024;
    return run([buffers](SSL* ssl, std::size_t& n) {
      n = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
           ++it) {
        const boost::asio::const_buffer b(*it);
        if (b.size() == 0) continue;
        if (n >= max_chunk) break;
        std::size_t written = 0;
        const int r = SSL_write_ex(ssl, b.data(), std::min(b.size(), max_chunk - n), &written);
        if (r != 1) return n > 0 ? 1 : r;   // report what went through; the error comes back on the next call
        n += written;
      }
      return 1;
    }, std::forward<Token>(token));
  }

 private:
  static constexpr std::size_t input_capacity = 8 * 1024;

  /// One TLS step (`action`: handshake, read or write) repeated until OpenSSL has what it needs: its output is
  /// sent first, then, when it wants input, the socket is read into `in_`.
  template <class Action>
  struct op {
    tls_stream& s;
    Action action;
    enum class step { start, sent, received, posted } next = step::start;
    bool suspended = false;   ///< Whether an I/O has run: completing before that must go through a post.
    int ssl_error = SSL_ERROR_NONE;
    unsigned long library_error = 0;
    std::size_t done = 0;
    boost::system::error_code final_ec;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
      switch (next) {
        case step::start:
          if (!s.ssl_) return finish(self, boost::asio::error::no_memory, 0);   // SSL_new failed
          break;
        case step::posted:
          return self.complete(final_ec, done);
        case step::sent:
          s.release_output();
          if (ec) return finish(self, ec, 0);
          if (!proceed(self)) return;
          break;
        case step::received:
          if (ec == boost::asio::error::eof) ec = boost::asio::ssl::error::stream_truncated;   // no close_notify
          if (ec) return finish(self, ec, 0);
          s.in_end_ += n;
          break;
      }
      for (;;) {
        ERR_clear_error();
        std::size_t out = 0;
        const int r = action(s.ssl_, out);
        ssl_error = r == 1 ? SSL_ERROR_NONE : SSL_get_error(s.ssl_, r);
        library_error = ssl_error == SSL_ERROR_SSL || ssl_error == SSL_ERROR_SYSCALL ? ERR_peek_error() : 0;
        done = out;
        if (!s.out_.empty()) {   // records, alerts or handshake messages to send before anything else
          next = step::sent;
          suspended = true;
          boost::asio::async_write(s.tcp_, boost::asio::buffer(s.out_), std::move(self));
          return;
        }
        if (!proceed(self)) return;
      }
    }

    /// Acts on the last step's outcome once its output is sent; true to run the step again.
    template <class Self>
    bool proceed(Self& self) {
      switch (ssl_error) {
        case SSL_ERROR_NONE:
          finish(self, {}, done);
          return false;
        case SSL_ERROR_WANT_READ:
          // OpenSSL asks for input once it has read all there was (bio_read said retry), but should unread
          // bytes ever remain, they move to the front: the socket read below always has room.
          if (s.in_begin_ > 0) {
            std::memmove(s.in_.get(), s.in_.get() + s.in_begin_, s.in_end_ - s.in_begin_);
            s.in_end_ -= s.in_begin_;
            s.in_begin_ = 0;
          }
          if (!s.in_) s.in_ = std::make_unique<char[]>(input_capacity);
          next = step::received;
          suspended = true;
          s.tcp_.async_read_some(boost::asio::buffer(s.in_.get() + s.in_end_, input_capacity - s.in_end_),
                                 std::move(self));
          return false;
        case SSL_ERROR_WANT_WRITE:   // the output was just sent
          return true;
        case SSL_ERROR_ZERO_RETURN:   // the server's close_notify
          finish(self, boost::asio::error::eof, 0);
          return false;
        default:
          finish(self,
                 library_error != 0
                     ? boost::system::error_code(static_cast<int>(library_error), boost::asio::error::get_ssl_category())
                     : boost::system::error_code(boost::asio::ssl::error::stream_truncated),
                 0);
          return false;
      }
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec, std::size_t n) {
      if (suspended) return self.complete(ec, n);
      // Completed without waiting (plaintext OpenSSL already had, an empty read): through the executor, as Asio
      // requires of an asynchronous operation.
      next = step::posted;
      final_ec = ec;
      done = n;
      boost::asio::post(s.tcp_.get_executor(), std::move(self));
    }
  };

  template <class Action, class Token>
  auto run(Action action, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        op<Action>{*this, std::move(action)}, token, tcp_);
  }

  void release_output() {
    if (out_.capacity() > 4 * 1024) {
      std::string().swap(out_);   // a big request's records do not stay with an idle connection
    } else {
      out_.clear();
    }
  }

  // The BIO between OpenSSL and the buffers above: writes append to `out_`, reads take from `in_`.
  static int bio_write(BIO* bio, const char* data, int size) {
    auto* s = static_cast<tls_stream*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    s->out_.append(data, static_cast<std::size_t>(size));
    return size;
  }
  static int bio_read(BIO* bio, char* data, int size) {
    auto* s = static_cast<tls_stream*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    const std::size_t available = s->in_end_ - s->in_begin_;
    if (available == 0) {
      BIO_set_retry_read(bio);
      return -1;
    }
    const std::size_t n = std::min(available, static_cast<std::size_t>(size));
    std::memcpy(data, s->in_.get() + s->in_begin_, n);
    s->in_begin_ += n;
    return static_cast<int>(n);
  }
  static long bio_ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }
  static int bio_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }
  static BIO_METHOD* bio_method() {
    static BIO_METHOD* const method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "habop tls_stream");
      BIO_meth_set_write(m, &tls_stream::bio_write);
      BIO_meth_set_read(m, &tls_stream::bio_read);
      BIO_meth_set_ctrl(m, &tls_stream::bio_ctrl);
      BIO_meth_set_create(m, &tls_stream::bio_create);
      return m;
    }();
    return method;
  }

  boost::beast::tcp_stream tcp_;
  SSL* ssl_;
  std::string out_;              ///< Ciphertext OpenSSL produced, not yet sent.
  std::unique_ptr<char[]> in_;   ///< Ciphertext received: [in_begin_, in_end_) not yet read by OpenSSL.
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
};

}  // namespace habop::op::detail
