// Where a Taifeng installation keeps its state, for the CLI and the gateways: the journal (and the
// service.json beside it), the key directory, and who the operator is. Each: the option, else an
// environment variable, else the XDG default. Throws Error(kUsage) when none can be found.
#pragma once

#include <filesystem>
#include <string>

namespace taifeng::cli {

// The journal file: --journal DIR, else $TAIFENG_JOURNAL, else $XDG_STATE_HOME/taifeng, else
// ~/.local/state/taifeng; "journal.sqlite" in it.
std::filesystem::path JournalFile(const std::string& option);
// --operator, else $TAIFENG_OPERATOR, else the login name.
std::string OperatorName(const std::string& option);
// The key directory: --dir/--keys, else $TAIFENG_KEYS, else $XDG_CONFIG_HOME/taifeng/keys, else
// ~/.config/taifeng/keys.
std::filesystem::path KeyDirectory(const std::string& option);
}  // namespace taifeng::cli
