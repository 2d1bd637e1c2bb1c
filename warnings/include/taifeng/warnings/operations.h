// Operator commands (warn issue, update, cancel) as values: the CLI runs them on the journal
// directly, or sends them as JSON to `taifeng serve`, which runs them the same way. One code path
// decides what a command means, whoever carries it.
// Thread safety: values and functions of a Desk (one Desk per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/warnings/desk.h"

namespace taifeng::warnings {

struct OperatorCommand {
  std::string action;                  // "issue", "update" or "cancel"
  std::vector<std::string> targets;    // issue: region codes (empty with `all`); update, cancel: region codes or identifiers
  bool all = false;                    // issue: every change of the latest proposal
  std::string kind;                    // update, cancel: only this kind ("" every kind)
  std::string signal;                  // update: the new signal ("" keep)
  int extend_h = 0;                    // update: expire this many hours from now (0: no extension)
  std::string reason;                  // journalled with the messages
  std::string status;                  // "" default (issue: Actual; update, cancel: the status in force), "Actual", "Exercise", "Test"
  std::optional<std::int64_t> at_utc;  // action time (default: now; a hindcast proposal's own time)
  // Idempotency key (1-64 of A-Z a-z 0-9 _ -): a command whose request id the journal already holds
  // is not done again; its earlier messages are the answer. "" none.
  std::string request_id;
};

// JSON object text and back. FromJson throws ParseError naming the field that is missing or of the
// wrong type, and an unknown action or status.
std::string CommandToJson(const OperatorCommand& c);
OperatorCommand CommandFromJson(const std::string& text);

// What a command will do: the desk's change requests, the action context and the action record's body.
struct PreparedCommand {
  std::string action;
  std::vector<ChangeRequest> requests;
  ActionContext ctx;
  std::string action_body;  // JSON object text
};

// Resolves `c` against the journal's state and latest proposal at `wall_now_utc`. Throws
// Error(kRefused) for what does not apply (no proposal, an old proposal, a hindcast issued as
// Actual, a target with nothing in force, targets that mix Actual and Exercise warnings) and
// Error(kUsage) for a malformed command (no targets, an unknown kind).
PreparedCommand Prepare(const Desk& desk, const OperatorCommand& c, const std::string& operator_name, std::int64_t wall_now_utc);

// The messages `p` would send (rendered and validated, not journalled), and committing them: the
// messages with their journal records, durable on return (Desk::Commit; `*repeated` set when the
// command's request id was journalled before and its earlier messages are returned instead).
std::vector<Message> Preview(const Desk& desk, const PreparedCommand& p);
std::vector<Message> Commit(Desk& desk, const PreparedCommand& p, bool* repeated = nullptr);
// True for a valid request id: 1-64 of A-Z a-z 0-9 _ -.
bool IsRequestId(const std::string& id);

}  // namespace taifeng::warnings
