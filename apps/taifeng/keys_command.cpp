// taifeng keys: a Taifeng identity's keys. Every identity gets an Ed25519 signing pair (the
// journal's records are signed with it); with the warning feed (TAIFENG_WITH_FEED=ON) also a
// CURVE pair for the feed's authentication.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "desk_args.h"
#include "service_link.h"
#include "taifeng/base/error.h"
#include "taifeng/warnings/signing.h"

namespace taifeng::cli {
namespace {

using nlohmann::json;

struct KeysArgs {
  std::string name, dir, role;
  bool signing_only = false, json = false;
};

void RunGenerate(const KeysArgs& a) {
  const auto dir = KeyDirectory(a.dir);
  const warnings::SigningKey sign = warnings::SigningKey::Generate(a.name);
  for (const auto& f : {dir / (a.name + ".sign"), dir / (a.name + ".sign_secret")})
    if (std::filesystem::exists(std::filesystem::symlink_status(f))) throw Error(ErrorCode::kRefused, f.string() + " exists: a key is never overwritten");
  const std::string curve = a.signing_only ? "" : WriteCurveKeys(dir, a.name, a.role);
  sign.Write(dir, true);
  if (a.role == "operator") sign.Write(dir / "operators", false);  // the operators auditors trust
  const auto at = [&](const std::string& ext) { return (dir / (a.name + ext)).string(); };
  if (a.json) {
    json j{{"name", a.name}, {"signing_public_key", sign.public_hex()}, {"signing_public", at(".sign")}, {"signing_secret", at(".sign_secret")}};
    if (!curve.empty()) j.update({{"public_key", curve}, {"public", at(".key")}, {"secret", at(".key_secret")}});
    std::cout << j.dump(2) << '\n';
    return;
  }
  if (!curve.empty())
    std::cout << "Feed certificate (CURVE): " << at(".key") << ", secret " << at(".key_secret") << " (mode 0600)\nPublic key: " << curve << '\n';
  std::cout << "Signing key (Ed25519): " << at(".sign") << ", secret " << at(".sign_secret") << " (mode 0600: keep it on this machine)\n"
            << "Signing public key: " << sign.public_hex() << '\n';
  if (a.role.empty())
    std::cout << "To admit it, copy its public files into the service's operators/ or gateways/ key directory"
              << (a.name == "service" ? "; auditors trust service.sign" : "") << ".\n";
  else
    std::cout << "Admitted as " << a.role << " in " << (dir / (a.role + "s")).string() << " (a running service reads its keys at start).\n";
}

}  // namespace

void RegisterKeysCommands(CLI::App& app) {
  CLI::App* keys = app.add_subcommand("keys", "Keys of a Taifeng identity: Ed25519 signing keys for the journal, CURVE keys for the warning feed");
  keys->require_subcommand(1);
  auto a = std::make_shared<KeysArgs>();
  CLI::App* cmd = keys->add_subcommand("generate", "Write new key pairs: DIR/NAME.sign and DIR/NAME.sign_secret (0600), and with the feed "
                                                   "DIR/NAME.key and DIR/NAME.key_secret (0600)");
  cmd->add_option("NAME", a->name, "the key's name (the operator's or gateway's identity in the journal and logs; the service's is service)")
      ->required();
  cmd->add_option("--dir", a->dir, "directory (default: $TAIFENG_KEYS, else $XDG_CONFIG_HOME/taifeng/keys, else ~/.config/taifeng/keys)");
  cmd->add_option("--role", a->role, "also admit it to the service in this directory: operator (DIR/operators/) or gateway (DIR/gateways/)")
      ->check(CLI::IsMember({"operator", "gateway"}));
  cmd->add_flag("--signing-only", a->signing_only, "only the signing pair (for an identity made before journals were signed)");
  cmd->add_flag("--json", a->json, "print JSON");
  cmd->callback([a] { RunGenerate(*a); });
}

}  // namespace taifeng::cli
