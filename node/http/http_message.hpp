// The HTTP request and response as the node's routes see them: plain data, so routing and
// handlers are tested without sockets (node/http/http_server.cpp does the Beast part).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ff::node {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent, e.g. "/studio?id=Alpha"
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Location, ...)
};

// Handlers answer exactly once, possibly later (a POST waits for its write to complete).
using HttpRespond = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, HttpRespond)>;

HttpResponse text_response(int status, std::string text);
HttpResponse json_response(int status, std::string json_text);

// Splits "/a/b?x=1" into path "/a/b" and query "x=1".
void split_target(const std::string& target, std::string& path, std::string& query);
// Decodes %XX escapes; false for a malformed escape or an encoded NUL.
bool percent_decode(const std::string& in, std::string& out);

}  // namespace ff::node
