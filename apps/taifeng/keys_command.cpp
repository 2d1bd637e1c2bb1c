// taifeng keys: CURVE key pairs for the warning feed (built with TAIFENG_WITH_FEED=ON).
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "desk_args.h"
#include "taifeng/feed/keys.h"

namespace taifeng::cli {

using nlohmann::json;

void RegisterKeysCommands(CLI::App& app) {
  CLI::App* keys = app.add_subcommand("keys", "CURVE keys for the warning feed (ZeroMQ certificates)");
  keys->require_subcommand(1);
  struct Args {
    std::string name, dir, role;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = keys->add_subcommand("generate", "Write a new key pair: DIR/NAME.key (public) and DIR/NAME.key_secret (0600)");
  cmd->add_option("NAME", a->name, "the key's name (the operator's or gateway's identity in the journal and logs)")->required();
  cmd->add_option("--dir", a->dir, "directory (default: $TAIFENG_KEYS, else $XDG_CONFIG_HOME/taifeng/keys, else ~/.config/taifeng/keys)");
  cmd->add_option("--role", a->role, "also admit it to the service in this directory: operator (DIR/operators/) or gateway (DIR/gateways/)")
      ->check(CLI::IsMember({"operator", "gateway"}));
  cmd->add_flag("--json", a->json, "print JSON");
  cmd->callback([a] {
    const auto dir = KeyDirectory(a->dir);
    const feed::Certificate c = feed::GenerateCertificate(a->name);
    feed::WriteCertificate(dir, c);
    const auto pub = (dir / (c.name + ".key")).string(), sec = (dir / (c.name + ".key_secret")).string();
    if (!a->role.empty()) {
      feed::Certificate public_only = c;
      public_only.secret_key.clear();
      feed::WriteCertificate(dir / (a->role + "s"), public_only);
    }
    if (a->json) {
      std::cout << json{{"name", c.name}, {"public_key", c.public_key}, {"public", pub}, {"secret", sec}}.dump(2) << '\n';
      return;
    }
    std::cout << "Public certificate: " << pub << "\nSecret certificate: " << sec << " (mode 0600: keep it on this machine)\n"
              << "Public key: " << c.public_key << '\n'
              << (a->role.empty() ? "To admit it, copy the public certificate into the service's operators/ or gateways/ key directory.\n"
                                  : "Admitted as " + a->role + ": " + (dir / (a->role + "s") / (c.name + ".key")).string() +
                                        " (a running service reads its keys at start).\n");
  });
}

}  // namespace taifeng::cli
