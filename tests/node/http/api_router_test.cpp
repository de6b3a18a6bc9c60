#include "node/http/api_router.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace ff::node {
namespace {

using json = nlohmann::json;

// Records what the router asked for; answers writes from a scripted outcome.
class FakeBackend final : public ApiBackend {
 public:
  std::string node_json() const override { return R"({"program_id":"Alpha"})"; }
  std::string peers_json() const override { return R"({"peers":[]})"; }
  std::string state_json() const override { return R"({"objects":{}})"; }
  Result<std::string> object_json(const std::string& name) const override {
    auto found = values.find(name);
    if (found == values.end()) return make_error(Errc::kNotFound, "no object " + name);
    return found->second;
  }
  void write(const OpRequest& request, std::function<void(WriteOutcome)> done) override {
    last_write = request;
    if (defer) {
      deferred = std::move(done);
      return;
    }
    done(outcome);
  }
  MetricsSample metrics() const override {
    MetricsSample sample;
    sample.fabric.peers = 2;
    sample.fabric.deltas_sent = 5;
    sample.journal_file_bytes = 4096;
    return sample;
  }

  std::uint64_t object_version(const std::string& name) const override {
    auto found = versions.find(name);
    return found == versions.end() ? 0 : found->second;
  }
  void watch(const std::string& name, std::uint64_t after, std::chrono::milliseconds wait,
             std::function<void()> done) override {
    watched = {name, after, wait};
    watch_done = std::move(done);
  }

  std::map<std::string, std::string> values;
  std::map<std::string, std::uint64_t> versions;
  std::tuple<std::string, std::uint64_t, std::chrono::milliseconds> watched;
  std::function<void()> watch_done;
  std::optional<OpRequest> last_write;
  WriteOutcome outcome;
  bool defer = false;
  std::function<void(WriteOutcome)> deferred;
};

class ApiRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ff_api_router_test_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
    ASSERT_EQ(::mkdir((root_ + "/studio").c_str(), 0700), 0);
    write_file(root_ + "/studio/index.html", "<html>studio</html>");
    write_file(root_ + "/fabric.js", "export const x = 1;");
    write_file(root_ + "/../ff_api_router_secret_" + std::to_string(::getpid()), "secret");
  }
  void TearDown() override {
    std::system(("rm -rf '" + root_ + "'").c_str());
    ::unlink(("/tmp/ff_api_router_secret_" + std::to_string(::getpid())).c_str());
  }
  static void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }

  std::optional<HttpResponse> call(const std::string& method, const std::string& target,
                                   const std::string& body = "", const std::string& root = "") {
    ApiRouter router("Alpha", backend_, StaticFiles(root.empty() ? root_ : root));
    std::optional<HttpResponse> answer;
    router.handle(HttpRequest{method, target, body},
                  [&](HttpResponse response) { answer = std::move(response); });
    return answer;
  }

  std::string root_;
  FakeBackend backend_;
};

TEST_F(ApiRouterTest, RootRedirectsToTheStudioOfTheProgram) {
  auto response = call("GET", "/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 302);
  ASSERT_EQ(response->headers.size(), 1u);
  EXPECT_EQ(response->headers[0].first, "Location");
  EXPECT_EQ(response->headers[0].second, "/studio?id=Alpha");
}

TEST_F(ApiRouterTest, StudioServesTheIndexPageWithItsQueryIgnored) {
  for (const char* target : {"/studio", "/studio?id=Alpha", "/studio/"}) {
    auto response = call("GET", target);
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->status, 200) << target;
    EXPECT_EQ(response->body, "<html>studio</html>");
    EXPECT_EQ(response->content_type, "text/html; charset=utf-8");
  }
}

TEST_F(ApiRouterTest, WebFilesHaveTheirContentType) {
  auto response = call("GET", "/web/fabric.js");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(response->body, "export const x = 1;");
  EXPECT_EQ(call("GET", "/web/missing.js")->status, 404);
}

TEST_F(ApiRouterTest, PathTraversalNeverLeavesTheWebRoot) {
  const std::string secret = "ff_api_router_secret_" + std::to_string(::getpid());
  for (const std::string& target : std::vector<std::string>{
           "/web/../" + secret, "/web/%2e%2e/" + secret, "/web/studio/../../" + secret,
           "/studio/../" + secret, "/web//etc/passwd", "/web/./fabric.js", "/web/..%5c" + secret}) {
    auto response = call("GET", target);
    ASSERT_TRUE(response) << target;
    EXPECT_NE(response->status, 200) << target;
    EXPECT_EQ(response->body.find("secret"), std::string::npos) << target;
  }
}

TEST_F(ApiRouterTest, ASymlinkOutOfTheRootIsNotFollowed) {
  const std::string secret = "/tmp/ff_api_router_secret_" + std::to_string(::getpid());
  ASSERT_EQ(::symlink(secret.c_str(), (root_ + "/leak.txt").c_str()), 0);
  auto response = call("GET", "/web/leak.txt");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
}

TEST_F(ApiRouterTest, AMissingWebRootAnswers503WithHowToBuildIt) {
  auto response = call("GET", "/studio?id=Alpha", "", root_ + "/nope");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_NE(response->body.find("scripts/build.sh web"), std::string::npos) << response->body;
  // The API keeps working without the bundle.
  EXPECT_EQ(call("GET", "/api/node", "", root_ + "/nope")->status, 200);
}

TEST_F(ApiRouterTest, ApiGetsComeFromTheBackend) {
  auto node = call("GET", "/api/node");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->status, 200);
  EXPECT_EQ(node->content_type, "application/json");
  EXPECT_EQ(json::parse(node->body)["program_id"], "Alpha");
  backend_.values["hits"] = "7";
  auto value = call("GET", "/api/state/hits");
  EXPECT_EQ(value->status, 200);
  EXPECT_EQ(json::parse(value->body), 7);
  auto missing = call("GET", "/api/state/nothing");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body)["ok"], false);
}

TEST_F(ApiRouterTest, ObjectNamesArePercentDecoded) {
  backend_.values["my list"] = "[]";
  EXPECT_EQ(call("GET", "/api/state/my%20list")->status, 200);
  EXPECT_EQ(call("GET", "/api/state/bad%zz")->status, 400);
}

TEST_F(ApiRouterTest, PostAppliesTheOpAndAnswersWhenTheWriteIsDone) {
  backend_.defer = true;
  backend_.values["hits"] = "3";
  ApiRouter router("Alpha", backend_, StaticFiles(root_));
  std::optional<HttpResponse> answer;
  router.handle(HttpRequest{"POST", "/api/state/hits", R"({"kind":"counter","op":"increment","amount":3})"},
                [&](HttpResponse response) { answer = std::move(response); });
  EXPECT_FALSE(answer) << "answered before the write completed";
  ASSERT_TRUE(backend_.last_write);
  EXPECT_EQ(backend_.last_write->op.kind, fabric::ObjectKind::kCounter);
  EXPECT_EQ(backend_.last_write->op.amount, 3);
  EXPECT_EQ(backend_.last_write->op.object, "hits");
  WriteOutcome outcome;
  outcome.write = fabric::MutationId{42, 9};
  outcome.acks = 2;
  outcome.degraded = true;
  backend_.deferred(outcome);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  const json body = json::parse(answer->body);
  EXPECT_EQ(body["ok"], true);
  EXPECT_EQ(body["write"]["origin"], "42");
  EXPECT_EQ(body["write"]["seq"], 9);
  EXPECT_EQ(body["acks"], 2);
  EXPECT_EQ(body["degraded"], true);
  EXPECT_EQ(body["value"], 3);
}

TEST_F(ApiRouterTest, AFailedWriteMapsItsErrorToAStatus) {
  backend_.outcome.status = make_error(Errc::kUnavailable, "1 of 2 authorities reachable");
  auto response = call("POST", "/api/state/doc", R"({"kind":"text","op":"insert","index":0,"text":"hi"})");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  const json body = json::parse(response->body);
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["error"], "1 of 2 authorities reachable");
}

TEST_F(ApiRouterTest, BadBodiesAre400WithAMessageAndNeverReachTheBackend) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "not valid JSON"},
      {"[1]", "JSON object"},
      {R"({"op":"increment"})", "kind"},
      {R"({"kind":"blob","op":"x"})", "kind"},
      {R"({"kind":"counter","op":"add"})", "op"},
      {R"({"kind":"counter","op":"increment","amount":"3"})", "amount"},
      {R"({"kind":"set","op":"add"})", "value"},
      {R"({"kind":"map","op":"put","key":"k"})", "value"},
      {R"({"kind":"list","op":"insert","index":-1,"value":"v"})", "index"},
      {R"({"kind":"text","op":"erase","index":0,"count":1.5})", "count"},
      {R"json({"kind":"counter","op":"increment","durability":"quorum(x)"})json", "durability"},
  };
  for (const auto& [body, mention] : cases) {
    auto response = call("POST", "/api/state/x", body);
    ASSERT_TRUE(response) << body;
    EXPECT_EQ(response->status, 400) << body;
    const json answer = json::parse(response->body);
    EXPECT_NE(answer["error"].get<std::string>().find(mention), std::string::npos)
        << body << " -> " << answer["error"];
  }
  EXPECT_FALSE(backend_.last_write);
}

TEST_F(ApiRouterTest, GetStateNamesTheObjectsVersion) {
  backend_.values["hits"] = "5";
  backend_.versions["hits"] = 3;
  auto response = call("GET", "/api/state/hits");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "5\n");
  ASSERT_EQ(response->headers.size(), 1u);
  EXPECT_EQ(response->headers[0], (std::pair<std::string, std::string>{"X-Fabric-Version", "3"}));
}

TEST_F(ApiRouterTest, GetWithWaitAnswersWhenTheBackendSaysTheObjectChanged) {
  backend_.values["hits"] = "5";
  backend_.versions["hits"] = 3;
  ApiRouter router("Alpha", backend_, StaticFiles(root_));
  std::optional<HttpResponse> answer;
  router.handle(HttpRequest{"GET", "/api/state/hits?after=3&wait_ms=2500", ""},
                [&](HttpResponse response) { answer = std::move(response); });
  EXPECT_FALSE(answer) << "no change yet: the request waits";
  EXPECT_EQ(backend_.watched,
            std::make_tuple(std::string("hits"), std::uint64_t{3}, std::chrono::milliseconds(2500)));
  backend_.values["hits"] = "6";
  backend_.versions["hits"] = 4;
  ASSERT_TRUE(backend_.watch_done);
  backend_.watch_done();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "6\n");
  EXPECT_EQ(answer->headers[0].second, "4");
}

TEST_F(ApiRouterTest, GetWithABadWaitOrVersionIs400) {
  backend_.values["hits"] = "5";
  for (const char* target : {"/api/state/hits?wait_ms=30001&after=0", "/api/state/hits?wait_ms=-1&after=0",
                             "/api/state/hits?wait_ms=10", "/api/state/hits?wait_ms=10&after=x",
                             "/api/state/hits?wait_ms=&after=1"}) {
    auto response = call("GET", target);
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->status, 400) << target;
    EXPECT_NE(response->body.find("wait_ms"), std::string::npos) << target;
  }
  EXPECT_FALSE(backend_.watch_done) << "nothing was left waiting";
}

TEST_F(ApiRouterTest, UnknownRoutesAndMethods) {
  EXPECT_EQ(call("GET", "/nope")->status, 404);
  EXPECT_EQ(call("DELETE", "/api/state/x")->status, 405);
  EXPECT_EQ(call("POST", "/api/node")->status, 405);
}

TEST(ParseOpRequest, EveryKindAndOp) {
  auto counter = parse_op_request("c", R"({"kind":"counter","op":"decrement","amount":4})");
  ASSERT_TRUE(counter.ok());
  EXPECT_EQ(counter->op.amount, -4);
  auto defaulted = parse_op_request("c", R"({"kind":"counter","op":"increment"})");
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->op.amount, 1);
  auto set = parse_op_request("s", R"({"kind":"set","op":"remove","value":"a"})");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->op.action, fabric::Op::Action::kRemove);
  EXPECT_EQ(set->op.value, "a");
  auto map = parse_op_request(
      "m", R"json({"kind":"map","op":"put","key":"k","value":"v","durability":"quorum(2)"})json");
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(map->op.key, "k");
  ASSERT_TRUE(map->durability);
  EXPECT_EQ(*map->durability, fabric::DurabilityPolicy::quorum(2));
  auto erase = parse_op_request("m", R"({"kind":"map","op":"delete","key":"k"})");
  ASSERT_TRUE(erase.ok());
  EXPECT_EQ(erase->op.action, fabric::Op::Action::kDelete);
  auto list = parse_op_request("l", R"({"kind":"list","op":"erase","index":2})");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->op.index, 2u);
  EXPECT_EQ(list->op.count, 1u);
  auto text = parse_op_request("t", R"({"kind":"text","op":"insert","index":1,"text":"héllo"})");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->op.kind, fabric::ObjectKind::kText);
  EXPECT_EQ(text->op.value, "héllo");
  EXPECT_FALSE(
      parse_op_request("c", R"({"kind":"counter","op":"increment","amount":9223372036854775808})").ok());
}

TEST(MetricsText, HasHelpTypeAndValueForEachMetric) {
  MetricsSample sample;
  sample.fabric.peers = 3;
  sample.fabric.acks_received = 11;
  sample.fabric.pending_broadcasts = 1;
  sample.journal_file_bytes = 8192;
  const std::string text = metrics_text(sample);
  EXPECT_NE(text.find("# TYPE fabric_peers gauge\nfabric_peers 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("fabric_acks_received_total 11\n"), std::string::npos);
  EXPECT_NE(text.find("fabric_pending_broadcasts 1\n"), std::string::npos);
  EXPECT_NE(text.find("fabric_journal_bytes 8192\n"), std::string::npos);
  EXPECT_NE(text.find("# HELP fabric_deltas_sent_total "), std::string::npos);
}

TEST(StaticPaths, SafeJoinRejectsEveryEscape) {
  for (const char* bad : {"", "..", "../x", "a/../b", "a//b", "./a", "a/.", "a\\b", "a/"}) {
    EXPECT_FALSE(safe_join("/root", bad).ok()) << bad;
  }
  auto good = safe_join("/root", "studio/index.html");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, "/root/studio/index.html");
}

TEST(StaticPaths, ContentTypes) {
  EXPECT_STREQ(content_type_for("a/index.html"), "text/html; charset=utf-8");
  EXPECT_STREQ(content_type_for("fabric.js"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(content_type_for("studio.css"), "text/css; charset=utf-8");
  EXPECT_STREQ(content_type_for("core.wasm"), "application/wasm");
  EXPECT_STREQ(content_type_for("fabric.js.map"), "application/json");
  EXPECT_STREQ(content_type_for("blob"), "application/octet-stream");
  EXPECT_STREQ(content_type_for("js"), "application/octet-stream");
}

}  // namespace
}  // namespace ff::node
