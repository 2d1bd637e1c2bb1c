#include "taifeng/warnings/feed_service.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <deque>
#include <thread>
#include <fstream>
#include <iterator>
#include <optional>
#include <mutex>
#include <unordered_map>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/env.h"
#include "taifeng/base/error.h"
#include "taifeng/base/utf8.h"
#include "taifeng/warnings/feed_summary.h"
#include "taifeng/warnings/operations.h"
#include "taifeng/feed/wire.h"
#include "taifeng/feed/zap.h"
#include "published_mark.h"

namespace taifeng::warnings {

using namespace feed;  // the wire this service speaks

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// One published message, by feed sequence number (index + 1).
struct Entry {
  std::int64_t journal_seq = 0;
  std::string journal_hash;
  std::string stream;
  std::int64_t prev = 0;
  std::string status;
  bool cancel = false;
  std::int64_t sent_utc = 0, expires_utc = 0;
};

struct Encoded {
  std::string topic_json, topic_cap, topic_full, json, cap;
};

std::int64_t WallNow() { return Env::Default().NowUtc(); }

std::string RandomId() {
  if (sodium_init() < 0) throw Error(ErrorCode::kInternal, "libsodium failed to initialise");
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  static const char* d = "0123456789abcdef";
  std::string s;
  for (const unsigned char c : b) s += d[c >> 4], s += d[c & 15];
  return s;
}

// A request's arguments, checked: stream prefixes and format.
struct Filter {
  std::vector<std::string> prefixes;
  FeedFormat format = FeedFormat::kFull;
};

Filter ParseFilter(const json& j) {
  Filter f;
  if (j.contains("prefixes")) {
    if (!j["prefixes"].is_array() || j["prefixes"].size() > 64)
      throw ParseError("request", 0, "prefixes", "an array of at most 64 stream prefixes");
    for (const auto& p : j["prefixes"]) {
      if (!p.is_string() || !ValidStreamPrefix(p.get<std::string>()))
        throw ParseError("request", 0, "prefixes", "stream prefixes of at most 64 characters [a-z0-9.]");
      f.prefixes.push_back(p.get<std::string>());
    }
  } else {
    f.prefixes = {""};
  }
  if (j.contains("format")) {
    const auto fmt = j["format"].is_string() ? ParseFeedFormat(j["format"].get<std::string>()) : std::nullopt;
    if (!fmt) throw ParseError("request", 0, "format", "json, cap or full");
    f.format = *fmt;
  }
  return f;
}

std::int64_t SeqArg(const json& j, const char* key, std::int64_t fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number_integer() || j[key].get<std::int64_t>() < 0) throw ParseError("request", 0, key, "a sequence number (integer >= 0)");
  return j[key].get<std::int64_t>();
}

// The frames every request starts with: a command name (1 to 16 capital letters) and a request id
// (at most 64 printable ASCII characters). Throws Error(kUsage) quoting them printably: no frame
// can break a log line or an answer's JSON.
void CheckHeader(const std::string& command, const std::string& rid) {
  const bool name_ok = !command.empty() && command.size() <= 16 &&
                       std::all_of(command.begin(), command.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!name_ok) throw Error(ErrorCode::kUsage, "request name '" + Printable(command, 32) + "': expected 1 to 16 capital letters");
  if (rid.size() > 64 || !std::all_of(rid.begin(), rid.end(), [](char c) { return c >= 0x20 && c < 0x7F; }))
    throw Error(ErrorCode::kUsage, "request id '" + Printable(rid, 32) + "': expected at most 64 printable ASCII characters");
}
// The id an answer echoes: the request's, when it is fit to echo.
std::string EchoedId(const std::string& rid) {
  const bool ok = rid.size() <= 64 && std::all_of(rid.begin(), rid.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  return ok ? rid : std::string();
}

// Every string of a request's JSON body (keys included) is text without control characters (the
// parser already refuses invalid UTF-8). Throws ParseError naming the field.
void RequireCleanText(const json& j, const std::string& field) {
  if (j.is_string()) {
    if (const auto problem = TextProblem(j.get_ref<const std::string&>()))
      throw ParseError("request", 0, field, "text without control characters (" + *problem + ")");
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (const auto problem = TextProblem(key)) throw ParseError("request", 0, field + " key", "text (" + *problem + ")");
      RequireCleanText(value, field + "." + key);
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) RequireCleanText(j[i], field + "[" + std::to_string(i) + "]");
  }
}

// A request's body: a JSON object in UTF-8 whose strings are clean text. Throws ParseError.
json ParseBody(const std::string& text) {
  json body;
  try {
    body = json::parse(text);
  } catch (const json::exception&) {
    throw ParseError("request", 0, "body", "a JSON object in UTF-8");
  }
  if (!body.is_object()) throw ParseError("request", 0, "body", "a JSON object");
  RequireCleanText(body, "body");
  return body;
}

json ErrorJson(const Error& e) {
  const ErrorInfo& info = Describe(e.code());
  return {{"code", info.name}, {"exit", info.exit_status}, {"message", e.what()}};
}

}  // namespace

void CheckRequest(const std::vector<std::string>& frames, bool control) {
  if (frames.size() != 3) throw Error(ErrorCode::kUsage, "malformed request: expected the frames [command, request id, JSON body]");
  CheckHeader(frames[0], frames[1]);
  const json body = ParseBody(frames[2]);
  if (control) CommandFromJson(frames[2]);
  else ParseFilter(body);
}

// Two threads: the main loop (Run) publishes, heartbeats, audits and serves the sync endpoint with
// its own journal connection (`reader`); the control thread (ControlLoop) takes the operators'
// commands with the desk, so that no replay or snapshot traffic stands between an operator and the
// journal. After a commit the control thread wakes the main loop (inproc PAIR `wake_*`), which
// publishes at once (between two replay turns) and answers with the published seq.
struct FeedService::Impl {
  FeedServiceSettings s;
  std::unique_ptr<Desk> desk;      // the control thread's (the main thread's until Run)
  std::unique_ptr<Journal> reader;  // the main loop's connection to the same journal
  Journal& journal() { return *reader; }
  const Journal& journal() const { return *reader; }
  Log log;
  mutable std::mutex log_mutex;
  zmq::socket_t wake_main, wake_control;  // inproc PAIR: "publish" -> the published seq
  std::atomic<bool> main_done{false};      // the main loop answers no more wakes
  zmq::context_t ctx;
  std::unique_ptr<ZapHandler> zap;
  zmq::socket_t pub, sync, control;
  std::string feed_id;
  FeedService::Endpoints bound;

  std::vector<Entry> index;  // feed seq i + 1
  std::int64_t indexed_journal_seq = 0;
  std::map<std::string, std::int64_t> heads;
  std::map<std::string, std::int64_t> status_clock;  // status -> latest sent_utc
  std::int64_t published = 0, mark_written = -1;
  std::unique_ptr<PublishedMarkFile> outside;  // "<journal>.published": the mark outside the journal
  static constexpr std::size_t kPublishChunk = 1024;  // rows indexed and marked before they go out

  std::unordered_map<std::int64_t, std::shared_ptr<const Encoded>> cache;  // shared with frames libzmq still sends
  std::deque<std::int64_t> cache_order;
  // Recently published encodings kept for snapshots and replays (older ones are read from the
  // journal): at most this many, about 7 kB each.
  static constexpr std::size_t kCacheSize = 2048;

  mutable std::mutex stats_mutex;
  FeedServiceStats stats;

  // One log line: whatever a peer sent is quoted printably (no forged lines, no escape sequences).
  void Say(const std::string& m) const {
    std::lock_guard<std::mutex> lock(log_mutex);
    if (log) log(Printable(m, 4096));
  }

  std::int64_t LatestSeq() const {
    std::lock_guard<std::mutex> lock(stats_mutex);
    return stats.latest_seq;
  }

  void Remember(std::int64_t seq, std::shared_ptr<const Encoded> e) {
    if (cache.emplace(seq, std::move(e)).second) cache_order.push_back(seq);
    while (cache_order.size() > kCacheSize) {
      cache.erase(cache_order.front());
      cache_order.pop_front();
    }
  }

  static std::shared_ptr<const Encoded> Encode(FeedRow&& r) {
    return std::make_shared<const Encoded>(Encoded{FeedTopic(FeedFormat::kJson, r.stream), FeedTopic(FeedFormat::kCap, r.stream),
                                                   FeedTopic(FeedFormat::kFull, r.stream), std::move(r.summary), std::move(r.cap)});
  }

  // The encoding of published message `seq`, from the cache or the journal's feed projection
  // (read a batch forward).
  std::shared_ptr<const Encoded> EncodedAt(std::int64_t seq) {
    if (const auto it = cache.find(seq); it != cache.end()) return it->second;
    const std::int64_t last = std::min<std::int64_t>(seq + 255, static_cast<std::int64_t>(index.size()));
    for (FeedRow& r : journal().ReadFeed(seq, last)) {
      const std::int64_t feed_seq = r.feed_seq;
      if (!cache.count(feed_seq)) Remember(feed_seq, Encode(std::move(r)));
    }
    const auto it = cache.find(seq);
    if (it == cache.end()) throw Error(ErrorCode::kInternal, "feed message " + std::to_string(seq) + " is missing from the journal");
    return it->second;
  }

  // Sends a message's frames; the bodies (JSON summary, CAP) are not copied: each frame holds a
  // reference on the encoding until libzmq has sent it.
  void SendMessage(zmq::socket_t& socket, const std::string* routing, const std::string* rid, FeedFormat format, std::int64_t seq,
                   const std::shared_ptr<const Encoded>& e) {
    std::vector<zmq::message_t> frames;
    if (routing) {
      frames.emplace_back(routing->data(), routing->size());
      frames.emplace_back("W", 1);
      frames.emplace_back(rid->data(), rid->size());
    }
    const std::string& topic = format == FeedFormat::kJson ? e->topic_json : format == FeedFormat::kCap ? e->topic_cap : e->topic_full;
    frames.emplace_back(topic.data(), topic.size());
    frames.emplace_back(EncodeSeq(static_cast<std::uint64_t>(seq)));
    frames.emplace_back(EncodeSeq(static_cast<std::uint64_t>(index[seq - 1].prev)));
    if (format != FeedFormat::kCap) frames.push_back(wire::Borrow(e, e->json));
    if (format != FeedFormat::kJson) frames.push_back(wire::Borrow(e, e->cap));
    wire::SendFrames(socket, frames);
  }

  // Indexes the feed rows journalled since the last call (the journal's projection: no message
  // is parsed) and publishes those not yet published.
  void IndexRow(const FeedRow& r) {
    const std::int64_t seq = static_cast<std::int64_t>(index.size()) + 1;
    if (r.feed_seq != seq)
      throw Error(ErrorCode::kJournalBroken, journal().path().string() + ": feed row " + std::to_string(r.feed_seq) +
                                                 " where " + std::to_string(seq) + " was expected");
    Entry e;
    e.journal_seq = r.journal_seq;
    e.journal_hash = r.journal_hash;
    e.stream = r.stream;
    e.prev = r.prev;
    e.status = r.status;
    e.cancel = r.cancel;
    e.sent_utc = r.sent_utc;
    e.expires_utc = r.expires_utc;
    index.push_back(e);
    heads[e.stream] = seq;
    auto& clock = status_clock[r.status];
    clock = std::max(clock, r.sent_utc);
  }
  void Publish(std::int64_t seq, FeedRow&& r) {
    auto enc = Encode(std::move(r));
    for (FeedFormat f : {FeedFormat::kJson, FeedFormat::kCap, FeedFormat::kFull}) SendMessage(pub, nullptr, nullptr, f, seq, enc);
    Remember(seq, std::move(enc));
    published = seq;
    std::lock_guard<std::mutex> lock(stats_mutex);
    ++stats.published;
    stats.latest_seq = seq;
  }

  void IndexAndPublish() {
    const std::int64_t last_journal_seq = journal().LastSeq();
    if (last_journal_seq <= indexed_journal_seq) return;
    // Messages journalled by a writer that does not project (an older taifeng) are projected here.
    if (const std::int64_t n = BackfillFeedProjection(journal(), indexed_journal_seq))
      Say("projected " + std::to_string(n) + " messages journalled without their feed projection");
    // In chunks: index the rows, record the chunk's last seq outside the journal (fsynced), then
    // publish them. So whatever went out is known at the next start even if the journal loses it.
    std::vector<FeedRow> chunk;
    auto publish_chunk = [&] {
      const std::int64_t first_new = static_cast<std::int64_t>(index.size()) + 1;
      for (const FeedRow& r : chunk) IndexRow(r);
      const auto last = static_cast<std::int64_t>(index.size());
      if (last > published && published != std::numeric_limits<std::int64_t>::max()) {
        WriteExternalMark(last);
        for (std::int64_t seq = std::max(first_new, published + 1); seq <= last; ++seq) Publish(seq, std::move(chunk[static_cast<std::size_t>(seq - first_new)]));
      }
      chunk.clear();
    };
    journal().ScanFeed(static_cast<std::int64_t>(index.size()), [&](const FeedRow& r) {
      chunk.push_back(r);
      if (chunk.size() == kPublishChunk) publish_chunk();
    });
    publish_chunk();
    indexed_journal_seq = last_journal_seq;
  }

  // A published position: the feed seq and the journal hash of the message there.
  struct Mark {
    std::string feed;
    std::int64_t seq = 0, journal_seq = 0;
    std::string hash;
  };
  static Mark ParseMark(const std::string& text, const std::string& where) {
    Mark m;
    try {
      const json j = json::parse(text);
      m.feed = j.value("feed", ""), m.seq = j.at("seq").get<std::int64_t>(), m.journal_seq = j.value("journal_seq", std::int64_t{0});
      m.hash = j.at("hash").get<std::string>();
    } catch (const json::exception&) {
      throw Error(ErrorCode::kJournalBroken, where + ": the feed's published mark is unreadable: " + Printable(text, 200));
    }
    return m;
  }
  // The mark outside the journal (published_mark.h; written and synced before each chunk goes
  // out), or none.
  std::optional<Mark> ReadExternalMark() const {
    const auto m = outside->Read();
    if (!m) return std::nullopt;
    return Mark{m->feed, m->seq, m->journal_seq, m->hash};
  }
  void WriteExternalMark(std::int64_t seq) {
    outside->Write({feed_id, seq, index[seq - 1].journal_seq, index[seq - 1].journal_hash});
  }
  // True when the journal holds the message the mark names, as it was.
  bool Holds(const Mark& m) const {
    if (static_cast<std::int64_t>(index.size()) < m.seq) return false;
    const Entry& e = index[m.seq - 1];
    return e.journal_hash == m.hash && (m.journal_seq == 0 || e.journal_seq == m.journal_seq);
  }
  // At start: the journal must hold every message the feed published, by the journal's own mark
  // and by the mark outside it (which survives a journal that lost its last transactions, mark
  // included). Otherwise gateways hold messages this journal does not, and new messages would reuse
  // their numbers: refused, unless the operator starts a new feed epoch (a new feed id: gateways
  // drop what they hold and resynchronise from a snapshot).
  void CheckPublishedMarks() {
    Journal& journal = this->journal();
    std::optional<Mark> inner;
    if (const std::string text = journal.ReadMark("feed.published"); !text.empty()) inner = ParseMark(text, journal.path().string());
    std::optional<Mark> outer = ReadExternalMark();
    if (outer && outer->feed != feed_id) outer.reset();  // a mark of another feed (the journal was replaced on purpose)
    for (int which = 0; which < 2; ++which) {
      const std::optional<Mark>& m = which == 0 ? inner : outer;
      if (!m || m->seq == 0 || Holds(*m)) continue;
      const std::string what = journal.path().string() + ": the feed published message " + std::to_string(m->seq) + " (hash " +
                               m->hash.substr(0, 16) + "…, " + (which == 1 ? outside->path().string() : std::string("the journal's mark")) +
                               "), which this journal " +
                               (static_cast<std::int64_t>(index.size()) >= m->seq ? "holds differently"
                                                                                  : "no longer holds (" + std::to_string(index.size()) + " messages)");
      if (!s.new_epoch)
        throw Error(ErrorCode::kJournalBroken, what + ": it was truncated, damaged or replaced. Restore it, or start a new feed epoch "
                                                      "(serve --new-epoch: gateways drop what they hold and resynchronise)");
      feed_id = RandomId();
      journal.WriteMark("feed.id", feed_id);
      Say(what + "; new feed epoch " + feed_id + " started: gateways resynchronise");
      published = mark_written = 0;
      return;
    }
    const std::int64_t done = std::max(inner ? inner->seq : 0, outer ? outer->seq : 0);
    published = mark_written = done;
  }

  void Heartbeat() {
    const std::string seq8 = EncodeSeq(static_cast<std::uint64_t>(published));
    json hb = {{"version", kFeedProtocolVersion}, {"feed", feed_id}, {"seq", published},
               {"time_utc", taifeng::FormatIsoUtc(WallNow())}, {"interval_ms", s.heartbeat_ms}};
    // The chain head at the latest published message: every gateway can keep it as a witness.
    if (published > 0 && published <= static_cast<std::int64_t>(index.size()))
      hb["head"] = {{"journal_seq", index[published - 1].journal_seq}, {"hash", index[published - 1].journal_hash}};
    const std::string body = hb.dump();
    wire::Send(pub, {kHeartbeatTopic, seq8, body});
  }

  // Records the published position. `wait` false (the loop's periodic write): when another writer
  // holds the journal's write lock the mark waits for the next heartbeat instead of the heartbeat
  // waiting for the lock.
  void WriteMark(bool wait = true) {
    if (mark_written == published) return;
    const json mark = {{"seq", published},
                       {"journal_seq", published ? index[published - 1].journal_seq : 0},
                       {"hash", published ? index[published - 1].journal_hash : std::string()}};
    if (wait) journal().WriteMark("feed.published", mark.dump());
    else if (!journal().TryWriteMark("feed.published", mark.dump())) return;
    mark_written = published;
  }

  // The clock an in-force test uses for a status: the wall clock for Actual, the latest message
  // time for Exercise and Test (an exercise runs on its own time).
  std::int64_t ClockFor(const std::string& status) const {
    const auto it = status_clock.find(status);
    const std::int64_t latest = it == status_clock.end() ? 0 : it->second;
    return status == "Actual" ? std::max(latest, WallNow()) : latest;
  }

  json HeadsJson(const Filter& f) const {
    json h = json::object();
    for (const auto& [stream, seq] : heads)
      if (StreamMatches(stream, f.prefixes)) h[stream] = seq;
    return h;
  }

  void Reply(zmq::socket_t& socket, const std::string& routing, const std::string& status, const std::string& rid, const json& body) {
    const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);  // never throws on bad UTF-8
    wire::Send(socket, {routing, status, EchoedId(rid), text});
  }

  // The journal audited while the service runs, a slice per heartbeat, round and round: a record
  // altered under a running service is noticed within a pass (256 records a second), and from then
  // on every command is refused (the feed keeps publishing what comes, and says nothing new).
  static constexpr std::int64_t kAuditTurn = 256;
  std::int64_t audit_cursor = 1;
  std::string journal_problem;  // why the journal fails its audit ("" while it passes); under problem_mutex
  mutable std::mutex problem_mutex;
  std::string JournalProblem() const {
    std::lock_guard<std::mutex> lock(problem_mutex);
    return journal_problem;
  }
  void AuditTurn() {
    if (!JournalProblem().empty()) return;
    const Journal& j = journal();
    const std::int64_t last = j.LastSeq();
    if (last == 0) return;
    if (audit_cursor > last) audit_cursor = 1;
    const std::int64_t to = std::min(last, audit_cursor + kAuditTurn - 1);
    const JournalAudit a = j.AuditRange(audit_cursor, to);
    if (a.ok()) {
      audit_cursor = to + 1;
      return;
    }
    const std::string problem = "record " + std::to_string(*a.first_broken) + ": " + a.problem;
    {
      std::lock_guard<std::mutex> lock(problem_mutex);
      journal_problem = problem;
    }
    Say("THE JOURNAL FAILS ITS AUDIT while serving: " + j.path().string() + ": " + problem +
        ". Every command is refused from now on; restore the journal and restart the service");
  }

  // A REPLAY being served: every matching message in [from, covered] is sent, at most max_replay.
  struct PendingReplay {
    std::string routing, rid, key;  // key: the peer's User-Id ("gateway:web")
    Filter f;
    std::int64_t from, next, to, count;
  };
  std::deque<PendingReplay> replays;
  static constexpr std::int64_t kReplayTurn = 256;  // messages looked at per turn
  static constexpr std::chrono::milliseconds kReplayTurnTime{2};  // … or this long, whichever ends first

  // One turn of the replays pending, round robin: at most kReplayTurn messages of the one at the
  // front, which then answers END (done) or goes to the back.
  void ServeReplays() {
    if (replays.empty()) return;
    PendingReplay p = std::move(replays.front());
    replays.pop_front();
    Guarded("sync", [&] {
      const std::int64_t stop = std::min(p.to, p.next + kReplayTurn - 1);
      const auto until = Clock::now() + kReplayTurnTime;
      for (; p.next <= stop && p.count < s.max_replay; ++p.next) {
        if (StreamMatches(index[p.next - 1].stream, p.f.prefixes)) SendMessage(sync, &p.routing, &p.rid, p.f.format, p.next, EncodedAt(p.next)), ++p.count;
        if (p.next % 16 == 0 && Clock::now() > until) {  // a turn is short in time too
          ++p.next;
          break;
        }
      }
      if (p.next <= p.to && p.count < s.max_replay) {
        replays.push_back(std::move(p));
        return;
      }
      Reply(sync, p.routing, "END", p.rid,
            {{"feed", feed_id}, {"seq", published}, {"count", p.count}, {"from", p.from}, {"to", p.next - 1}, {"more", p.next <= p.to}});
    });
  }

  // Runs one request's handler; whatever it throws past its own answer (a peer gone mid-reply, a
  // bug) is logged and the loop goes on: no request can end the service.
  template <class F>
  void Guarded(const char* endpoint, F&& handle) {
    try {
      handle();
    } catch (const std::exception& e) {
      Say(std::string(endpoint) + ": a request was dropped: " + e.what());
    }
  }

  // The User-Id the ZAP handler set ("operator:duty", "gateway:web"; "" when none): it travels
  // with the peer's own frames (not the routing id).
  static std::string UserIdOf(const wire::Multipart& req) {
    for (std::size_t i = 1; i < req.frames.size(); ++i)
      if (const char* user = zmq_msg_gets(req.frames[i].handle(), "User-Id"); user && *user) return user;
    return "";
  }

  void HandleSync(const wire::Multipart& req) {
    const std::string routing = req.Str(0), command = req.Str(1), rid = req.Str(2).substr(0, 64);
    {
      std::lock_guard<std::mutex> lock(stats_mutex);
      ++stats.requests;
    }
    try {
      if (req.truncated || req.frames.size() != 4)
        throw Error(ErrorCode::kUsage, "malformed request: expected the frames [command, request id, JSON body]");
      if (req.bytes > static_cast<std::size_t>(s.max_request_bytes))
        throw Error(ErrorCode::kUsage, "request of " + std::to_string(req.bytes) + " bytes: at most " + std::to_string(s.max_request_bytes));
      CheckHeader(command, req.Str(2));
      const json args = ParseBody(req.Str(3));
      const Filter f = ParseFilter(args);
      if (command == "SNAPSHOT") {
        std::int64_t count = 0;
        for (const auto& [stream, seq] : heads) {
          if (!StreamMatches(stream, f.prefixes)) continue;
          const Entry& e = index[seq - 1];
          if (e.cancel || e.expires_utc <= ClockFor(e.status)) continue;
          SendMessage(sync, &routing, &rid, f.format, seq, EncodedAt(seq));
          ++count;
        }
        Reply(sync, routing, "END", rid, {{"feed", feed_id}, {"seq", published}, {"count", count}, {"heads", HeadsJson(f)}});
      } else if (command == "REPLAY") {
        // Served in turns (ServeReplays), one pending replay per connection: a flood of replays
        // is queued, not answered at once, and never holds up an operator's command.
        // … and at most max_replays_per_key pending per key, however many connections it opens.
        const std::string key = UserIdOf(req);
        int of_key = 0;
        for (const PendingReplay& p : replays) {
          if (p.routing == routing) throw Error(ErrorCode::kRefused, "one REPLAY at a time per connection: wait for the END of the last");
          of_key += p.key == key ? 1 : 0;
        }
        if (of_key >= s.max_replays_per_key)
          throw Error(ErrorCode::kRefused, "busy: " + std::to_string(of_key) + " REPLAYs of key " + key +
                                               " are being served (at most " + std::to_string(s.max_replays_per_key) + "); ask again after an END");
        const std::int64_t from = std::max<std::int64_t>(1, SeqArg(args, "from", 1));
        replays.push_back({routing, rid, key, f, from, from, std::min(SeqArg(args, "to", published), published), 0});
      } else if (command == "HEADS") {
        Reply(sync, routing, "END", rid, {{"feed", feed_id}, {"seq", published}, {"count", 0}, {"heads", HeadsJson(f)}});
      } else {
        throw Error(ErrorCode::kUsage, "unknown request '" + command + "': expected SNAPSHOT, REPLAY or HEADS");
      }
    } catch (const Error& e) {
      {
        std::lock_guard<std::mutex> lock(stats_mutex);
        ++stats.refused_requests;
      }
      Reply(sync, routing, "ERR", rid, ErrorJson(e));
    }
  }

  // Control thread: asks the main loop to publish what was just journalled and waits for it (one
  // replay turn at most). Returns the published seq; once the main loop has stopped, the latest
  // seq (the rest goes out as the loop ends, or at the next start: it is journalled).
  std::int64_t AwaitPublished() {
    wire::Send(wake_control, {"publish"});
    while (!main_done.load()) {
      zmq::pollitem_t item[] = {{wake_control.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(item, 1, std::chrono::milliseconds(100));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        throw;
      }
      if (!(item[0].revents & ZMQ_POLLIN)) continue;
      if (auto m = wire::Recv(wake_control, false)) return std::stoll(m->Str(0));
    }
    return LatestSeq();
  }

  // Main loop: publishes for each wake the control thread sent and answers each.
  void AnswerWakes() {
    int wakes = 0;
    while (wire::Recv(wake_main, false)) ++wakes;
    if (wakes == 0) return;
    IndexAndPublish();
    for (int i = 0; i < wakes; ++i) wire::Send(wake_main, {std::to_string(published)});
  }

  // The control thread: the operators' commands, until `stop`.
  void ControlLoop(const std::atomic<bool>& stop) {
    while (!stop.load()) {
      zmq::pollitem_t item[] = {{control.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(item, 1, std::chrono::milliseconds(50));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        throw;
      }
      for (int i = 0; i < 64 && (item[0].revents & ZMQ_POLLIN); ++i) {
        auto req = wire::Recv(control, false);
        if (!req) break;
        Guarded("control", [&] { HandleControl(*req); });
      }
    }
  }

  // PREVIEW or COMMIT of an operator command. A request id the journal already holds (the CLI's
  // retry after a lost answer) is answered with the earlier messages, marked "repeated": nothing is
  // done twice.
  json OperatorCommandReply(const OperatorCommand& c, bool commit, const std::string& name) {
    bool repeated = false;
    std::vector<Message> ms;
    if (auto earlier = desk->EarlierRequest(c.request_id)) {
      ms = std::move(*earlier), repeated = true;
    } else {
      if (!commit) desk->RequireAudit();  // Commit audits inside
      const PreparedCommand p = Prepare(*desk, c, name, WallNow());
      ms = commit ? Commit(*desk, p, &repeated) : Preview(*desk, p);
    }
    if (commit) {
      const std::int64_t up_to = AwaitPublished();
      Say("control: " + name + " " + c.action + (repeated ? " (request " + c.request_id + ", done before: nothing new)" : "") + ": " +
          std::to_string(ms.size()) + " messages journalled and published (feed seq up to " + std::to_string(up_to) + ")");
    }
    json out = json::array();
    for (const auto& m : ms) {
      json j = json::parse(MessageToJson(m));
      j["seq"] = m.seq;  // its journal record
      out.push_back(std::move(j));
    }
    std::lock_guard<std::mutex> lock(stats_mutex);
    ++stats.commands;
    return {{"messages", out}, {"journal", desk->journal().path().string()}, {"seq", stats.latest_seq}, {"repeated", repeated}};
  }

  void HandleControl(wire::Multipart& req) {
    const std::string routing = req.Str(0), command = req.Str(1), rid = req.Str(2).substr(0, 64);
    const std::string user = UserIdOf(req);
    const std::size_t colon = user.find(':');
    const std::string role = user.substr(0, colon), name = colon == std::string::npos ? "" : user.substr(colon + 1);
    try {
      if (role != "operator" || name.empty()) {
        Say("control: refused " + Printable(command, 32) + " from " + (user.empty() ? "an unnamed peer" : user) +
            ": only operator keys may command");
        throw Error(ErrorCode::kRefused, "only operator keys may send commands (this key is " + (user.empty() ? "unnamed" : user) + ")");
      }
      if (req.truncated || req.frames.size() != 4)
        throw Error(ErrorCode::kUsage, "malformed command: expected the frames [command, request id, JSON body]");
      if (req.bytes > static_cast<std::size_t>(s.max_request_bytes))
        throw Error(ErrorCode::kUsage, "command of " + std::to_string(req.bytes) + " bytes: at most " + std::to_string(s.max_request_bytes));
      CheckHeader(command, req.Str(2));
      json reply;
      if (command == "PING") {
        reply = {{"operator", name}, {"feed", feed_id}, {"seq", LatestSeq()}, {"journal", desk->journal().path().string()}};
      } else if (command == "PREVIEW" || command == "COMMIT") {
        if (const std::string problem = JournalProblem(); !problem.empty())
          throw Error(ErrorCode::kJournalBroken, desk->journal().path().string() + ": " + problem +
                                                     "; the journal fails its audit: no command is taken");
        ParseBody(req.Str(3));  // clean text before the command is read
        reply = OperatorCommandReply(CommandFromJson(req.Str(3)), command == "COMMIT", name);
      } else {
        throw Error(ErrorCode::kUsage, "unknown command '" + command + "': expected PING, PREVIEW or COMMIT");
      }
      Reply(control, routing, "OK", rid, reply);
    } catch (const Error& e) {
      {
        std::lock_guard<std::mutex> lock(stats_mutex);
        ++stats.refused_commands;
      }
      Reply(control, routing, "ERR", rid, ErrorJson(e));
    } catch (const std::exception& e) {
      Reply(control, routing, "ERR", rid, ErrorJson(Error(ErrorCode::kInternal, e.what())));
    }
  }
};

FeedService::FeedService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FeedService::~FeedService() {
  if (!impl_) return;
  // Sockets close before the ZAP handler stops, and both before the context.
  impl_->pub.close();
  impl_->sync.close();
  impl_->control.close();
  impl_->wake_main.close();
  impl_->wake_control.close();
  impl_->zap.reset();
}

std::unique_ptr<FeedService> FeedService::Start(FeedServiceSettings settings, std::unique_ptr<Desk> desk, Log log) {
  if (settings.server.secret_key.size() != 40) throw Error(ErrorCode::kInvalidArgument, "the service needs its secret key (NAME.key_secret)");
  auto impl = std::make_unique<Impl>();
  impl->s = std::move(settings);
  impl->desk = std::move(desk);
  impl->log = std::move(log);
  Impl& x = *impl;
  x.desk->RequireAudit();
  x.desk->journal().SetAutoCheckpoint(false);  // the main loop checkpoints between commands
  x.reader = x.desk->journal().OpenAnother();
  Journal& journal = x.journal();
  journal.SetAutoCheckpoint(false);
  x.outside = std::make_unique<PublishedMarkFile>(journal.path().string() + ".published");
  x.feed_id = journal.ReadMark("feed.id");
  if (x.feed_id.empty()) {
    x.feed_id = RandomId();
    journal.WriteMark("feed.id", x.feed_id);
  }
  if (const std::int64_t n = BackfillFeedProjection(journal))
    x.Say("projected " + std::to_string(n) + " messages journalled before the feed projection existed");
  // Index everything journalled; what the marks say was published is not published again.
  x.published = std::numeric_limits<std::int64_t>::max();  // index without publishing
  x.IndexAndPublish();
  x.published = 0;
  x.CheckPublishedMarks();
  {
    std::lock_guard<std::mutex> lock(x.stats_mutex);
    x.stats.latest_seq = static_cast<std::int64_t>(x.index.size());
  }
  std::map<std::string, Peer> allowed;
  for (const auto& [key, name] : x.s.gateway_keys) allowed[key] = {name, "gateway"};
  for (const auto& [key, name] : x.s.operator_keys) allowed[key] = {name, "operator"};
  // Two I/O threads: the operators' control connections have the second to themselves, so their
  // commands never queue behind the encryption of replays and publications (ZMQ_AFFINITY).
  x.ctx.set(zmq::ctxopt::io_threads, 2);
  x.zap = std::make_unique<ZapHandler>(x.ctx, std::move(allowed), x.log);
  auto server_socket = [&](zmq::socket_type type, const std::string& endpoint, const char* what) {
    zmq::socket_t sock(x.ctx, type);
    sock.set(zmq::sockopt::affinity, std::uint64_t{endpoint == x.s.control_endpoint && what == std::string("control") ? 2u : 1u});
    sock.set(zmq::sockopt::linger, 0);
    sock.set(zmq::sockopt::curve_server, 1);
    sock.set(zmq::sockopt::curve_secretkey, x.s.server.secret_key);
    sock.set(zmq::sockopt::zap_domain, "taifeng");
    if (type != zmq::socket_type::pub) sock.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(x.s.max_request_bytes));
    if (type == zmq::socket_type::pub) {
      sock.set(zmq::sockopt::sndhwm, x.s.publish_hwm);
      if (x.s.send_buffer_bytes > 0) sock.set(zmq::sockopt::sndbuf, x.s.send_buffer_bytes);
    } else {
      // Room for two whole answers per peer; beyond that a peer that does not read loses answers.
      sock.set(zmq::sockopt::sndhwm, 2 * x.s.max_replay + 1000);
    }
    try {
      sock.bind(endpoint);
    } catch (const zmq::error_t& e) {
      throw Error(ErrorCode::kIo, std::string(what) + " endpoint " + endpoint + ": cannot bind: " + e.what());
    }
    return sock;
  };
  x.pub = server_socket(zmq::socket_type::pub, x.s.publish_endpoint, "publish");
  x.sync = server_socket(zmq::socket_type::router, x.s.sync_endpoint, "sync");
  x.control = server_socket(zmq::socket_type::router, x.s.control_endpoint, "control");
  x.wake_main = zmq::socket_t(x.ctx, zmq::socket_type::pair);
  x.wake_control = zmq::socket_t(x.ctx, zmq::socket_type::pair);
  const std::string wake = "inproc://taifeng-wake-" + RandomId();
  x.wake_main.bind(wake);
  x.wake_control.connect(wake);
  x.bound = {x.pub.get(zmq::sockopt::last_endpoint), x.sync.get(zmq::sockopt::last_endpoint), x.control.get(zmq::sockopt::last_endpoint)};
  return std::unique_ptr<FeedService>(new FeedService(std::move(impl)));
}

const std::string& FeedService::feed_id() const { return impl_->feed_id; }
const FeedService::Endpoints& FeedService::endpoints() const { return impl_->bound; }

FeedServiceStats FeedService::stats() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mutex);
  return impl_->stats;
}

void FeedService::Run() {
  Impl& x = *impl_;
  // Publish what the journal holds beyond the published mark (a crash before it was published).
  const std::int64_t backlog_from = x.published;
  if (backlog_from < static_cast<std::int64_t>(x.index.size())) {
    x.WriteExternalMark(static_cast<std::int64_t>(x.index.size()));  // before anything goes out
    for (std::int64_t seq = backlog_from + 1; seq <= static_cast<std::int64_t>(x.index.size()); ++seq) {
      const auto e = x.EncodedAt(seq);
      for (FeedFormat f : {FeedFormat::kJson, FeedFormat::kCap, FeedFormat::kFull}) x.SendMessage(x.pub, nullptr, nullptr, f, seq, e);
      x.published = seq;
    }
    x.Say("published " + std::to_string(x.published - backlog_from) + " messages journalled before this start (feed seq " +
          std::to_string(backlog_from + 1) + "-" + std::to_string(x.published) + ")");
  }
  x.WriteMark();
  std::thread control([&x, this] { x.ControlLoop(stop_); });
  auto next_heartbeat = Clock::now();
  auto next_poll = Clock::now() + std::chrono::milliseconds(x.s.poll_ms);
  while (!stop_.load()) {
    const auto now = Clock::now();
    if (now >= next_poll) {
      x.IndexAndPublish();
      next_poll = now + std::chrono::milliseconds(x.s.poll_ms);
    }
    if (now >= next_heartbeat) {
      x.Heartbeat();
      x.AuditTurn();
      x.WriteMark(false);
      x.journal().Checkpoint();  // PASSIVE: never holds up a command
      next_heartbeat = now + std::chrono::milliseconds(x.s.heartbeat_ms);
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(std::min(next_poll, next_heartbeat) - Clock::now());
    zmq::pollitem_t items[] = {{x.wake_main.handle(), 0, ZMQ_POLLIN, 0}, {x.sync.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, x.replays.empty() ? std::max(wait, std::chrono::milliseconds(0)) : std::chrono::milliseconds(0));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    // An operator's commit goes out before sync traffic is served.
    x.Guarded("publish", [&] { x.AnswerWakes(); });
    for (int i = 0; i < 64 && (items[1].revents & ZMQ_POLLIN); ++i) {
      auto req = wire::Recv(x.sync, false);
      if (!req) break;
      x.Guarded("sync", [&] { x.HandleSync(*req); });
      x.Guarded("publish", [&] { x.AnswerWakes(); });
    }
    x.ServeReplays();  // one turn; a commit waiting to go out is published before the next
  }
  x.main_done.store(true);
  control.join();
  x.IndexAndPublish();
  x.Heartbeat();
  x.WriteMark();
  x.pub.set(zmq::sockopt::linger, 2000);
  x.sync.set(zmq::sockopt::linger, 500);
  x.control.set(zmq::sockopt::linger, 500);
  x.Say("stopped at feed seq " + std::to_string(x.published));
}

}  // namespace taifeng::warnings
