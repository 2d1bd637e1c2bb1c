// The process boundary of Taifeng's executables: runs a command line and maps what it throws to
// the exit-code table (base/error.h): help and version 0, command-line misuse 64, taifeng::Error
// its own status with "PROGRAM: error: …", anything else 70 with "PROGRAM: internal error: …".
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <iostream>

#include "taifeng/base/error.h"

namespace taifeng::cli {

// Parses `argv` with `app`, then runs `after_parse` (when given) and returns its status (0 when none).
inline int RunCli(const char* program, CLI::App& app, int argc, char** argv, const std::function<int()>& after_parse = {}) {
  try {
    app.parse(argc, argv);
    return after_parse ? after_parse() : 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return Describe(ErrorCode::kUsage).exit_status;
  } catch (const Error& e) {
    std::cerr << program << ": error: " << e.what() << '\n';
    return e.exit_status();
  } catch (const std::exception& e) {
    std::cerr << program << ": internal error: " << e.what() << '\n';
    return Describe(ErrorCode::kInternal).exit_status;
  }
}

// main's own guard: nothing escapes it (a failure while building the command line is internal).
inline int GuardMain(const char* program, const std::function<int()>& body) noexcept {
  try {
    return body();
  } catch (...) {
    std::fprintf(stderr, "%s: internal error\n", program);
    return Describe(ErrorCode::kInternal).exit_status;
  }
}

}  // namespace taifeng::cli
