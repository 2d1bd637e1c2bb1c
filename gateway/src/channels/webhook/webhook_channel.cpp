// The webhook channel's room: options, the feed's messages into the outbox (loop thread), and a
// worker thread that posts what is due (cpp-httplib, HTTPS with OpenSSL), paced per endpoint.
#include <CLI/CLI.hpp>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "taifeng/base/error.h"
#include "taifeng/gateway/channel.h"
#include "taifeng/gateway/webhook.h"

namespace taifeng::gateway {
namespace {

struct WebhookOptions {
  std::string endpoints, record;
  std::vector<std::string> statuses = {"Actual", "Exercise", "Test"};
  int timeout_s = 10;
  std::int64_t backoff_ms = 2000;
};

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// One POST; never throws (a transport failure is an answer with status 0).
WebhookResponse Post(const WebhookEndpoint& e, const WebhookDelivery& d, int timeout_s) {
  WebhookResponse r;
  const std::size_t scheme_end = e.url.find("://") + 3;
  const std::size_t path_at = e.url.find('/', scheme_end);
  const std::string origin = e.url.substr(0, path_at), path = path_at == std::string::npos ? "/" : e.url.substr(path_at);
  try {
    httplib::Client client(origin);
    client.set_connection_timeout(timeout_s, 0);
    client.set_read_timeout(timeout_s, 0);
    client.set_write_timeout(timeout_s, 0);
    const httplib::Headers headers = {{"Idempotency-Key", d.identifier}, {"User-Agent", "taifeng-gateway"}};
    const auto res = client.Post(path, headers, d.payload, "application/json");
    if (!res) {
      r.error = httplib::to_string(res.error());
      return r;
    }
    r.status = res->status;
    r.body = res->body.substr(0, 4096);
    if (res->has_header("Retry-After")) r.retry_after_s = std::atoll(res->get_header_value("Retry-After").c_str());
  } catch (const std::exception& ex) {
    r.error = ex.what();
  }
  return r;
}

class WebhookChannel : public Channel {
 public:
  explicit WebhookChannel(WebhookOptions o)
      : o_(std::move(o)), endpoints_(LoadWebhookEndpoints(o_.endpoints)), outbox_(WebhookOutbox::Open(o_.record, o_.backoff_ms)) {
    Log("webhook", std::to_string(endpoints_.size()) + " endpoints; " + std::to_string(outbox_->Count("pending")) +
                       " deliveries pending from before");
    worker_ = std::thread([this] { Work(); });
  }
  ~WebhookChannel() override { WebhookChannel::Stop(); }

  void Configure(feed::FeedClientOptions& options) override {
    options.format = feed::FeedFormat::kFull;  // the CAP too, for the JSON endpoints
    options.recover_by_snapshot = false;      // every message, once, in order
    std::lock_guard<std::mutex> lock(mutex_);
    if (outbox_->last_seq() > 0) options.resume_after = outbox_->last_seq();
  }
  void OnUpdate(const Board&, const feed::FeedEvent& ev, const std::vector<Bulletin>& got, const FeedStatus&) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const Bulletin& b : got) {
        if (std::find(o_.statuses.begin(), o_.statuses.end(), b.status) == o_.statuses.end()) {
          outbox_->Skip(b.seq);
          continue;
        }
        const int added = outbox_->Enqueue(b, endpoints_, NowMs());
        Log("webhook", b.identifier + " (seq " + std::to_string(b.seq) + "): " + std::to_string(added) + " deliveries queued");
      }
      if (ev.type == feed::FeedEvent::Type::kSnapshot && ev.seq > 0) outbox_->Skip(ev.seq);
    }
    wake_.notify_one();
  }
  void OnTick(const Board&, const FeedStatus&) override { wake_.notify_one(); }
  void Stop() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    wake_.notify_one();
    if (worker_.joinable()) worker_.join();
  }

 private:
  const WebhookEndpoint* Find(const std::string& name) const {
    for (const auto& e : endpoints_)
      if (e.name == name) return &e;
    return nullptr;
  }
  // WeChat robots take 20 messages a minute: true when this endpoint may send now.
  bool Paced(const WebhookEndpoint& e, std::int64_t now_ms) {
    if (e.format != WebhookFormat::kWeCom) return true;
    auto& sent = sent_ms_[e.name];
    while (!sent.empty() && sent.front() <= now_ms - 60000) sent.pop_front();
    return sent.size() < static_cast<std::size_t>(kWeComPerMinute);
  }

  void Deliver(const WebhookDelivery& d) {
    const WebhookEndpoint* e = Find(d.endpoint);
    if (e == nullptr) {  // an endpoint removed from the file since: its deliveries wait for it
      return;
    }
    if (!Paced(*e, NowMs())) return;
    sent_ms_[e->name].push_back(NowMs());
    const WebhookResponse r = Post(*e, d, o_.timeout_s);  // outside the lock: the feed loop goes on
    const WebhookVerdict v = JudgeWebhook(e->format, r);
    std::lock_guard<std::mutex> lock(mutex_);
    if (v.outcome == WebhookOutcome::kDelivered) {
      outbox_->MarkDelivered(d, NowMs());
      Log("webhook", d.identifier + " -> " + d.endpoint + ": delivered (" + v.reason + ")");
    } else if (v.outcome == WebhookOutcome::kFailed) {
      outbox_->MarkFailed(d, v.reason);
      Log("webhook", d.identifier + " -> " + d.endpoint + ": FAILED, not retried: " + v.reason);
    } else {
      outbox_->MarkRetry(d, NowMs(), v.wait_ms, v.reason);
      Log("webhook", d.identifier + " -> " + d.endpoint + ": will retry: " + v.reason);
    }
  }

  void Work() {
    for (;;) {
      std::vector<WebhookDelivery> due;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; });
        if (stopping_) return;
        try {
          due = outbox_->Due(NowMs(), 50);
        } catch (const Error& e) {
          Log("webhook", std::string("outbox: ") + e.what());
        }
      }
      for (const WebhookDelivery& d : due) {
        try {
          Deliver(d);
        } catch (const std::exception& e) {
          Log("webhook", d.identifier + " -> " + d.endpoint + ": " + e.what());
        }
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
      }
    }
  }

  WebhookOptions o_;
  std::vector<WebhookEndpoint> endpoints_;
  std::mutex mutex_;  // the outbox and stopping_, between the feed loop and the worker
  std::condition_variable wake_;
  bool stopping_ = false;
  std::unique_ptr<WebhookOutbox> outbox_;
  std::map<std::string, std::deque<std::int64_t>> sent_ms_;  // worker only
  std::thread worker_;  // last: started when everything else is ready
};

class WebhookSpec : public ChannelSpec {
 public:
  void AddOptions(CLI::Option_group& g) override {
    g.add_option("--endpoints", o_.endpoints,
                 "the endpoints file, owner-readable only: lines NAME FORMAT(wecom|json) URL [REGION...]");
    g.add_option("--webhook-outbox", o_.record, "the delivery record (SQLite; default: next to the endpoints file)");
    g.add_option("--webhook-status", o_.statuses, "CAP statuses to post")->capture_default_str();
    g.add_option("--webhook-timeout", o_.timeout_s, "seconds to connect, send and read")->capture_default_str()->check(CLI::Range(1, 120));
    g.add_option("--webhook-backoff-ms", o_.backoff_ms, "wait after a first failed attempt, doubled after each (at most 5 min)")
        ->capture_default_str()
        ->check(CLI::Range(1, 300000));
  }
  void Check() const override {
    if (o_.endpoints.empty()) throw Error(ErrorCode::kUsage, "--channel webhook needs --endpoints FILE");
  }
  std::unique_ptr<Channel> Make(const ChannelContext&) override {
    WebhookOptions o = o_;
    if (o.record.empty()) o.record = (std::filesystem::path(o.endpoints).parent_path() / "taifeng-webhook.sqlite").string();
    return std::make_unique<WebhookChannel>(o);
  }

 private:
  WebhookOptions o_;
};

}  // namespace

std::unique_ptr<ChannelSpec> MakeWebhookSpec() { return std::make_unique<WebhookSpec>(); }

}  // namespace taifeng::gateway
