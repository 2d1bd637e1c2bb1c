// taifeng serve: the warning feed service (journal, publish, sync and control endpoints).
#include <signal.h>
#include <unistd.h>

#include <ctime>
#include <iostream>

#include "commands.h"
#include "desk_args.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/env.h"
#include "taifeng/base/error.h"
#include "taifeng/warnings/feed_service.h"

namespace taifeng::cli {
namespace {

std::atomic<bool>* g_stop = nullptr;

extern "C" void OnStopSignal(int) {
  if (g_stop) g_stop->store(true);
}

struct ServeArgs {
  std::string config, journal, keys, publish, sync, control;
  std::string rules = TAIFENG_DEFAULT_RULES, regions = TAIFENG_DEFAULT_REGIONS, schema = TAIFENG_CAP_SCHEMA;
  int heartbeat_ms = 1000, publish_hwm = 100000, max_replay = 10000;
  bool new_epoch = false;
};

void Log(const std::string& line) {
  std::cerr << taifeng::FormatIsoUtc(Env::Default().NowUtc()) << " taifeng serve: " << line << std::endl;
}

std::map<std::string, std::string> KeysIn(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return {};
  return feed::ReadKeyDirectory(dir);
}

// The service signs every record it writes with KEYS/service.sign_secret and trusts records signed
// by itself or an admitted operator (KEYS/operators/*.sign).
void SignAsService(warnings::Journal& journal, const std::filesystem::path& keys) {
  const auto secret = keys / "service.sign_secret";
  std::error_code ec;
  if (!std::filesystem::exists(secret, ec))
    throw Error(ErrorCode::kNotFound, secret.string() + ": the service has no signing key for its journal. Create it with: taifeng keys generate "
                                                        "service --signing-only --dir " + keys.string());
  auto key = std::make_shared<const warnings::SigningKey>(warnings::SigningKey::Read(secret));
  warnings::TrustedSigners trust = warnings::ReadTrustedSigners(TrustedKeyFiles(keys));
  trust[key->public_hex()] = key->name();
  journal.SetTrust(std::move(trust));
  journal.SetSigner(std::move(key));
}

void RunServe(ServeArgs a, const CLI::App& cmd) {
  warnings::ServiceConfig cfg;
  if (!a.config.empty()) cfg = warnings::LoadServiceConfig(a.config);
  // Command-line options win over the file; the file over the defaults.
  auto pick = [&](const char* option, std::string& value, const std::filesystem::path& from_file) {
    if (cmd.count(option) == 0 && !from_file.empty()) value = from_file.string();
  };
  pick("--journal", a.journal, cfg.journal_dir);
  pick("--keys", a.keys, cfg.keys_dir);
  pick("--rules", a.rules, cfg.rules);
  pick("--regions", a.regions, cfg.regions);
  pick("--cap-schema", a.schema, cfg.cap_schema);
  warnings::FeedServiceSettings s;
  s.publish_endpoint = !a.publish.empty() ? a.publish : cfg.publish.value_or(s.publish_endpoint);
  s.sync_endpoint = !a.sync.empty() ? a.sync : cfg.sync.value_or(s.sync_endpoint);
  s.control_endpoint = !a.control.empty() ? a.control : cfg.control.value_or(s.control_endpoint);
  s.heartbeat_ms = cmd.count("--heartbeat-ms") ? a.heartbeat_ms : cfg.heartbeat_ms.value_or(a.heartbeat_ms);
  s.publish_hwm = cmd.count("--publish-hwm") ? a.publish_hwm : cfg.publish_hwm.value_or(a.publish_hwm);
  s.max_replay = cfg.max_replay.value_or(a.max_replay);
  s.max_replays_per_key = cfg.replays_per_key.value_or(s.max_replays_per_key);
  s.new_epoch = a.new_epoch;

  const std::filesystem::path keys = KeyDirectory(a.keys);
  const std::filesystem::path secret = keys / "service.key_secret";
  std::error_code ec;
  if (!std::filesystem::exists(secret, ec))
    throw Error(ErrorCode::kNotFound, secret.string() + ": the service has no key. Create it with: taifeng keys generate service --dir " +
                                          keys.string());
  s.server = feed::ReadCertificate(secret);
  s.operator_keys = KeysIn(keys / "operators");
  s.gateway_keys = KeysIn(keys / "gateways");
  for (const auto& [key, name] : s.operator_keys)
    if (s.gateway_keys.count(key)) throw Error(ErrorCode::kInvalidArgument, "key " + key + " is both an operator (" + name + ") and a gateway");
  if (s.operator_keys.empty()) Log("warning: no operator keys in " + (keys / "operators").string() + ": nobody can issue through the service");

  DeskArgs d;
  d.journal = a.journal, d.rules = a.rules, d.regions = a.regions, d.schema = a.schema;
  const std::filesystem::path journal_file = JournalFile(d.journal);
  if (const auto running = feed::RunningService(journal_file.parent_path()))
    throw Error(ErrorCode::kRefused, "a service (pid " + std::to_string(running->pid) + ") already serves " + journal_file.string());
  auto desk = OpenDesk(d);
  SignAsService(desk->journal(), keys);
  const std::size_t operators = s.operator_keys.size(), gateways = s.gateway_keys.size();
  auto service = warnings::FeedService::Start(std::move(s), std::move(desk), Log);
  const auto& ep = service->endpoints();
  feed::WriteServiceFile(journal_file.parent_path(), {static_cast<long>(::getpid()), ep.publish, ep.sync, ep.control,
                                                          feed::ReadCertificate(secret).public_key, service->feed_id()});
  g_stop = &service->stop_flag();
  struct sigaction sa{};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  Log("serving " + journal_file.string() + " (feed " + service->feed_id() + ", latest seq " + std::to_string(service->stats().latest_seq) +
      "): publish " + ep.publish + ", sync " + ep.sync + ", control " + ep.control + "; " + std::to_string(operators) + " operator and " +
      std::to_string(gateways) + " gateway keys from " + keys.string());
  try {
    service->Run();
  } catch (...) {
    feed::RemoveServiceFile(journal_file.parent_path());
    g_stop = nullptr;
    throw;
  }
  feed::RemoveServiceFile(journal_file.parent_path());
  g_stop = nullptr;
}

}  // namespace

void RegisterServeCommand(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the warning feed service: publish every journalled warning to the gateways (ZeroMQ, CURVE) "
                                              "and take the operators' commands");
  cmd->add_option("--config", a->config, "service configuration (TOML: [service] and [warnings]; see the README)");
  cmd->add_option("--journal", a->journal, "journal directory (default: $TAIFENG_JOURNAL, else $XDG_STATE_HOME/taifeng, else "
                                           "~/.local/state/taifeng)");
  cmd->add_option("--keys", a->keys, "key directory: service.key_secret, service.sign_secret, operators/*.key and *.sign, gateways/*.key (default: $TAIFENG_KEYS, else "
                                     "~/.config/taifeng/keys)");
  cmd->add_option("--publish", a->publish, "PUB endpoint (default tcp://127.0.0.1:7410; port * picks a free one)");
  cmd->add_option("--sync", a->sync, "snapshot and replay endpoint (default tcp://127.0.0.1:7411)");
  cmd->add_option("--control", a->control, "operator command endpoint (default tcp://127.0.0.1:7412)");
  cmd->add_option("--heartbeat-ms", a->heartbeat_ms, "heartbeat interval (ms)")->capture_default_str()->check(CLI::Range(100, 60000));
  cmd->add_option("--publish-hwm", a->publish_hwm, "messages queued per subscriber before it loses some")->capture_default_str();
  cmd->add_option("--rules", a->rules, "warning rules (TOML)")->capture_default_str();
  cmd->add_option("--regions", a->regions, "region file")->capture_default_str();
  cmd->add_option("--cap-schema", a->schema, "the OASIS CAP 1.2 XSD")->capture_default_str();
  cmd->add_flag("--new-epoch", a->new_epoch,
                "when the journal no longer holds what the feed published (restored or damaged), start a new feed epoch: gateways "
                "drop what they hold and resynchronise (without it the service refuses to start)");
  cmd->callback([a, cmd] { RunServe(*a, *cmd); });
}

}  // namespace taifeng::cli
