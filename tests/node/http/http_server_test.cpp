#include "node/http/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

namespace ff::node {
namespace {

// A blocking HTTP client on its own thread; the server runs on the test's io_context.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{10, 0};  // bound every read: a hung server fails the test, not the run
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  // Reads one response with a Content-Length body; "" on EOF/timeout.
  std::string response() {
    while (true) {
      const std::size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        const std::size_t at = buffer_.find("Content-Length: ");
        if (at != std::string::npos && at < end) length = std::stoul(buffer_.substr(at + 16));
        if (buffer_.size() >= end + 4 + length) {
          std::string whole = buffer_.substr(0, end + 4 + length);
          buffer_.erase(0, end + 4 + length);
          return whole;
        }
      }
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // True when the server closed the connection (recv returns 0).
  bool closed_by_server() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpHandler handler, HttpServerLimits limits = {}) {
    auto server = HttpServer::listen(io_, "127.0.0.1", 0, std::move(handler), limits);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    ASSERT_NE(server_->port(), 0);
  }
  // Runs the io_context while `client` runs on a thread (bounded by the client's timeouts).
  void with_client(const std::function<void(Client&)>& client) {
    std::atomic<bool> finished{false};
    std::thread thread([&] {
      Client c(server_->port());
      EXPECT_TRUE(c.connected());
      client(c);
      finished = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!finished && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    thread.join();
  }

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
};

HttpHandler echo_handler() {
  return [](const HttpRequest& request, HttpRespond respond) {
    respond(text_response(200, request.method + " " + request.target + " " + request.body));
  };
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start(echo_handler());
  with_client([](Client& c) {
    c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string first = c.response();
    EXPECT_NE(first.find("HTTP/1.1 200"), std::string::npos) << first;
    EXPECT_NE(first.find("GET /a "), std::string::npos) << first;
    c.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    const std::string second = c.response();
    EXPECT_NE(second.find("POST /b hello"), std::string::npos) << second;
  });
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start(echo_handler());
  with_client([](Client& c) {
    c.send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(c.response().find("200"), std::string::npos);
    EXPECT_TRUE(c.closed_by_server());
  });
}

TEST_F(HttpServerTest, ABodyOverTheLimitIs413AndCloses) {
  HttpServerLimits limits;
  limits.max_body_bytes = 16;
  bool called = false;
  start(
      [&](const HttpRequest&, HttpRespond respond) {
        called = true;
        respond(text_response(200, "no"));
      },
      limits);
  with_client([](Client& c) {
    c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'a'));
    const std::string response = c.response();
    EXPECT_NE(response.find("HTTP/1.1 413"), std::string::npos) << response;
    EXPECT_TRUE(c.closed_by_server());
  });
  EXPECT_FALSE(called);
}

TEST_F(HttpServerTest, AHeaderOverTheLimitIs431) {
  HttpServerLimits limits;
  limits.max_header_bytes = 256;
  start(echo_handler(), limits);
  with_client([](Client& c) {
    c.send("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1000, 'b') + "\r\n\r\n");
    const std::string response = c.response();
    EXPECT_NE(response.find("HTTP/1.1 431"), std::string::npos) << response;
  });
}

TEST_F(HttpServerTest, AHandlerMayAnswerLater) {
  boost::asio::steady_timer timer(io_);
  start([&](const HttpRequest&, HttpRespond respond) {
    timer.expires_after(std::chrono::milliseconds(50));
    timer.async_wait([respond](boost::system::error_code) { respond(text_response(201, "later")); });
  });
  with_client([](Client& c) {
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string response = c.response();
    EXPECT_NE(response.find("HTTP/1.1 201"), std::string::npos) << response;
    EXPECT_NE(response.find("later"), std::string::npos);
  });
}

TEST_F(HttpServerTest, HeadersOfTheResponseArePassedThrough) {
  start([](const HttpRequest&, HttpRespond respond) {
    HttpResponse response = text_response(302, "moved");
    response.headers.emplace_back("Location", "/studio?id=Alpha");
    respond(std::move(response));
  });
  with_client([](Client& c) {
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string response = c.response();
    EXPECT_NE(response.find("HTTP/1.1 302"), std::string::npos) << response;
    EXPECT_NE(response.find("Location: /studio?id=Alpha"), std::string::npos) << response;
  });
}

TEST_F(HttpServerTest, APortInUseIsAnIoErrorNamingTheAddress) {
  start(echo_handler());
  auto second = HttpServer::listen(io_, "127.0.0.1", server_->port(), echo_handler());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kIo);
  EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
      << second.error().message;
}

TEST_F(HttpServerTest, StopClosesOpenConnections) {
  start(echo_handler());
  with_client([&](Client& c) {
    c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(c.response().find("200"), std::string::npos);
    boost::asio::post(io_, [&] { server_->stop(); });
    EXPECT_TRUE(c.closed_by_server());
  });
}

}  // namespace
}  // namespace ff::node
