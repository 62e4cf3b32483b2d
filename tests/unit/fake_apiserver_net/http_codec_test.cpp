// HTTP framing: the incremental request reader, limits, malformed input and response serialization.
#include "http_codec.hpp"

#include <catch2/catch.hpp>

using namespace habop::fake;
using net::request_reader;

TEST_CASE("the reader assembles a request fed byte by byte and keeps the rest", "[http]") {
  std::string wire =
      "PATCH /api/v1/namespaces/default/configmaps/x?fieldManager=kubectl-patch HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\nContent-Type: application/merge-patch+json\r\nContent-Length: 13\r\n\r\n"
      "{\"data\":null}GET /version HTTP/1.1\r\n\r\n";
  request_reader reader(1024);
  std::string buf;
  request_reader::state st = request_reader::state::need_more;
  std::size_t i = 0;
  while (st == request_reader::state::need_more && i < wire.size()) {
    buf += wire[i++];
    std::size_t used = 0;
    st = reader.feed(buf, used);
    buf.erase(0, used);
  }
  REQUIRE(st == request_reader::state::done);
  request req = reader.take();
  CHECK(req.method == "PATCH");
  CHECK(req.target == "/api/v1/namespaces/default/configmaps/x?fieldManager=kubectl-patch");
  CHECK(req.body == "{\"data\":null}");
  CHECK(reader.keep_alive());
  buf += wire.substr(i);
  std::size_t used = 0;
  REQUIRE(reader.feed(buf, used) == request_reader::state::done);
  CHECK(reader.take().target == "/version");
}

TEST_CASE("malformed requests and oversized bodies fail with 400 and 413", "[http]") {
  request_reader reader(8);
  std::size_t used = 0;
  CHECK(reader.feed("NOT HTTP AT ALL\r\n\r\n", used) == request_reader::state::failed);
  CHECK(reader.failure_status() == 400);
  request_reader small(8);
  CHECK(small.feed("POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\n", used) == request_reader::state::failed);
  CHECK(small.failure_status() == 413);
}

TEST_CASE("responses carry Content-Length, watches are chunked", "[http]") {
  response res;
  res.status = 201;
  res.headers = {{"Content-Type", "application/json"}, {"X-Bad", "a\r\nInjected: yes"}};
  res.body = "{}";
  std::string wire = net::serialize_response(res, false);
  CHECK(wire.rfind("HTTP/1.1 201 Created\r\n", 0) == 0);
  CHECK(wire.find("Content-Length: 2\r\n") != std::string::npos);
  CHECK(wire.find("Connection: close\r\n") != std::string::npos);
  CHECK(wire.find("Injected") == std::string::npos);
  CHECK(wire.substr(wire.size() - 6) == "\r\n\r\n{}");
  std::string chunks;
  net::append_chunk(chunks, "{\"type\":\"ADDED\"}\n");
  net::append_chunk(chunks, {});
  CHECK(chunks == "11\r\n{\"type\":\"ADDED\"}\n\r\n0\r\n\r\n");
  CHECK(net::serialize_chunked_head(res, true).find("Transfer-Encoding: chunked\r\n\r\n") != std::string::npos);
}
