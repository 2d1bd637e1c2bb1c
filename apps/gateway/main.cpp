// taifeng-gateway: delivers the warning feed to one channel: a wall or street display, SMS through
// smstools3, or a web page with an Atom feed of the CAP alerts.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <optional>
#include <ctime>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>

#include "../common/locations.h"
#include "../common/run_cli.h"
#include "taifeng/gateway/channel.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/feed/service_file.h"

namespace taifeng::gateway {

namespace {
std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop.store(true); }
}  // namespace

namespace {

struct Args {
  std::string channel, service, journal, publish, sync, server_key, key, keys, witness;
  std::vector<std::string> prefixes, region_codes;
  std::string regions_file = TAIFENG_DEFAULT_REGIONS;
  int heartbeat_timeout_ms = 3000;
  std::map<std::string, std::unique_ptr<ChannelSpec>> specs;  // every registered channel's options
};

// Where the service is: the endpoints given, else its service.json. `follow` is set when found
// through service.json: the gateway then follows the service when it moves (restarted on other
// ports, or with another key).
struct ServiceAt {
  std::string publish, sync, server_key;
  std::optional<std::filesystem::path> follow;  // the directory of service.json
};

ServiceAt FindService(const Args& a) {
  ServiceAt at{a.publish, a.sync, a.server_key, std::nullopt};
  if (!at.publish.empty() && !at.sync.empty() && !at.server_key.empty()) return at;
  const std::filesystem::path dir =
      !a.service.empty() ? std::filesystem::path(a.service).parent_path() : cli::JournalFile(a.journal).parent_path();
  const auto svc = feed::RunningService(dir);
  if (!svc)
    throw Error(ErrorCode::kNotFound, "no running taifeng serve for " + dir.string() +
                                          " (no live service.json there): start it, or give --publish, --sync and --server-key");
  if (at.publish.empty()) at.publish = svc->publish;
  if (at.sync.empty()) at.sync = svc->sync;
  if (at.server_key.empty()) at.server_key = svc->public_key;
  if (a.publish.empty() && a.sync.empty() && a.server_key.empty()) at.follow = dir;
  return at;
}

// While the feed is lost, reads service.json again (every 2 s); true when the service now runs
// elsewhere, with `o` pointed there.
bool ServiceMoved(const ServiceAt& at, feed::FeedClientOptions& o, std::chrono::steady_clock::time_point& next_check) {
  const auto now = std::chrono::steady_clock::now();
  if (!at.follow || now < next_check) return false;
  next_check = now + std::chrono::seconds(2);
  std::optional<feed::ServiceFile> svc;
  try {
    svc = feed::RunningService(*at.follow);
  } catch (const Error&) {
    return false;  // a service.json being rewritten: read it again next time
  }
  if (!svc || (svc->publish == o.publish_endpoint && svc->sync == o.sync_endpoint && svc->public_key == o.server_key)) return false;
  o.publish_endpoint = svc->publish, o.sync_endpoint = svc->sync, o.server_key = svc->public_key;
  return true;
}

// The witness file: one line per chain head the heartbeats announce ("time_utc feed journal_seq
// hash"), appended, owner-only. `taifeng warn audit --witness FILE` compares the journal with it.
void Witness(const std::string& file, const feed::ChainHead& head) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  const std::string line = FormatIsoUtc(WallNow()) + " " + head.feed + " " + std::to_string(head.journal_seq) + " " + head.hash + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) Log("witness", file + ": cannot append");
  ::close(fd);
}

int Run(Args& a) {
  const ServiceAt at = FindService(a);
  const std::string publish = at.publish, sync = at.sync, server_key = at.server_key;
  std::string key = a.key;
  if (key.empty()) {
    if (const char* env = std::getenv("TAIFENG_GATEWAY_KEY")) key = env;
  }
  if (key.empty()) key = (cli::KeyDirectory(a.keys) / (a.channel + ".key_secret")).string();
  if (!std::filesystem::exists(key))
    throw Error(ErrorCode::kNotFound, "gateway key " + key + " not found: make one with `taifeng keys generate " + a.channel +
                                          " --role gateway` (and restart the service to admit it), or give --key");
  feed::FeedClientOptions o;
  o.publish_endpoint = publish;
  o.sync_endpoint = sync;
  o.server_key = server_key;
  o.certificate = feed::ReadCertificate(key);
  if (o.certificate.secret_key.empty()) throw Error(ErrorCode::kUsage, "--key " + key + ": a secret certificate (.key_secret) is needed");
  if (!a.prefixes.empty()) o.prefixes = a.prefixes;
  o.heartbeat_timeout_ms = a.heartbeat_timeout_ms;

  ChannelSpec& spec = *a.specs.at(a.channel);
  ChannelContext context;
  if (spec.needs_regions()) {
    if (!geo::IsGeoJsonFile(a.regions_file))
      throw Error(ErrorCode::kUsage, a.regions_file + ": the gateway reads GeoJSON region files (convert others with ogr2ogr -f GeoJSON)");
    context.regions = geo::RegionSet::LoadGeoJson(a.regions_file, geo::RegionSet::Administrative());
    context.shown = SelectRegions(*context.regions, a.region_codes);
  }
  std::unique_ptr<Channel> channel = spec.Make(context);
  channel->Configure(o);

  ::signal(SIGINT, OnStopSignal);
  ::signal(SIGTERM, OnStopSignal);
  ::signal(SIGPIPE, SIG_IGN);
  auto sub = feed::FeedSubscriber::Connect(o);
  Log(a.channel, "subscribed to " + publish + " (sync " + sync + ")" +
                     (o.resume_after ? ", resuming after seq " + std::to_string(*o.resume_after) : std::string()));
  gateway::Board board;
  FeedStatus status;
  auto last_tick = std::chrono::steady_clock::now() - std::chrono::seconds(2), next_check = last_tick;
  // Every gateway is a witness of the journal's chain: by default beside the service's journal.
  const std::string witness =
      a.witness == "none" ? "" : !a.witness.empty() ? a.witness : at.follow ? (*at.follow / ("witness-" + a.channel + ".txt")).string() : "";
  std::optional<feed::ChainHead> witnessed;
  while (!g_stop.load()) {
    if (sub->state() == feed::FeedSubscriber::State::kLost && ServiceMoved(at, o, next_check)) {
      Log(a.channel, "the service moved: subscribing to " + o.publish_endpoint + " (sync " + o.sync_endpoint + ")");
      channel->Configure(o);
      sub = feed::FeedSubscriber::Connect(o);
    }
    std::optional<feed::FeedEvent> ev;
    try {
      ev = sub->Next(std::chrono::milliseconds(200));
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kRefused) throw;
      Log(a.channel, std::string("feed: ") + e.what());
    }
    status.state = sub->state();
    status.feed_id = sub->feed_id();
    if (const auto head = sub->head(); head && !witness.empty() && head != witnessed) Witness(witness, *head), witnessed = head;
    if (ev) {
      using T = feed::FeedEvent::Type;
      if (ev->type == T::kSnapshot || ev->type == T::kMessage) {
        std::vector<gateway::Bulletin> got;
        try {
          got = board.Apply(*ev);
        } catch (const Error& e) {
          Log(a.channel, std::string("refused a malformed message: ") + e.what());
          continue;
        }
        channel->OnUpdate(board, *ev, got, status);
      } else {
        if (ev->type == T::kFeedLost) status.lost_since_utc = WallNow();
        status.detail = ev->detail;
        Log(a.channel, ev->detail);
        channel->OnTick(board, status);
        last_tick = std::chrono::steady_clock::now();
      }
    }
    if (std::chrono::steady_clock::now() - last_tick >= std::chrono::seconds(1)) {
      channel->OnTick(board, status);
      last_tick = std::chrono::steady_clock::now();
    }
  }
  channel->Stop();
  Log(a.channel, "stopped at seq " + std::to_string(board.seq()));
  return 0;
}

}  // namespace
}  // namespace taifeng::gateway

namespace {

int Main(int argc, char** argv) {
  using taifeng::gateway::Args;
  Args a;
  std::string help = "taifeng-gateway: delivers Taifeng's warning feed to one channel.\n";
  std::vector<std::string> names;
  for (const auto& entry : taifeng::gateway::ChannelRegistry()) {
    help += "  " + std::string(entry.name) + ": " + std::string(entry.summary) + "\n";
    names.emplace_back(entry.name);
  }
  help += taifeng::ExitCodesHelp() + " 0 also when stopped by SIGINT/SIGTERM.";
  CLI::App app{help};
  app.set_version_flag("--version", "taifeng-gateway " TAIFENG_VERSION);
  app.add_option("--channel", a.channel, "the channel: " + CLI::detail::join(names, ", "))->required()->check(CLI::IsMember(names));
  app.add_option("--journal", a.journal, "the service's journal directory: its service.json gives the endpoints and the service key "
                                         "(default: $TAIFENG_JOURNAL, else ~/.local/state/taifeng)");
  app.add_option("--service", a.service, "the service's service.json (instead of --journal)");
  app.add_option("--publish", a.publish, "the service's PUB endpoint (overrides service.json)");
  app.add_option("--sync", a.sync, "the service's sync endpoint (overrides service.json)");
  app.add_option("--server-key", a.server_key, "the service's public key, Z85 (overrides service.json)");
  app.add_option("--key", a.key, "this gateway's secret certificate (default: $TAIFENG_GATEWAY_KEY, else KEYS/<channel>.key_secret)");
  app.add_option("--keys", a.keys, "key directory (default: $TAIFENG_KEYS, else ~/.config/taifeng/keys)");
  app.add_option("--prefix", a.prefixes, "stream prefixes to subscribe to (typhoon, flood.4403, …; default: all)");
  app.add_option("--regions", a.regions_file, "region file, GeoJSON (display, web)")->capture_default_str();
  app.add_option("--region", a.region_codes, "region codes to show (display, web; default: every region of the file)");
  app.add_option("--heartbeat-timeout-ms", a.heartbeat_timeout_ms, "silence after which the feed is shown as lost (ms)")->capture_default_str();
  app.add_option("--witness", a.witness,
                 "append each journal chain head the heartbeats announce to FILE, for taifeng warn audit --witness (default: "
                 "witness-<channel>.txt beside the journal when the service was found through service.json; none: off)");
  for (const auto& entry : taifeng::gateway::ChannelRegistry()) {
    auto spec = entry.make_spec();
    spec->AddOptions(*app.add_option_group(std::string(entry.name), "--channel " + std::string(entry.name)));
    a.specs.emplace(std::string(entry.name), std::move(spec));
  }
  return taifeng::cli::RunCli("taifeng-gateway", app, argc, argv, [&] {
    a.specs.at(a.channel)->Check();
    return taifeng::gateway::Run(a);
  });
}

}  // namespace

int main(int argc, char** argv) {
  return taifeng::cli::GuardMain("taifeng-gateway", [&] { return Main(argc, argv); });
}
