// Test helpers for real processes: a free loopback port and a child process with its output in
// a file (shared by the serve and gateway tests).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace taifeng_cli_test {

namespace fs = std::filesystem;

inline int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A child process running a shell command, its output to a file.
struct Child {
  pid_t pid = -1;
  fs::path log;
  Child() = default;
  Child(Child&& o) noexcept : pid(std::exchange(o.pid, -1)), log(std::move(o.log)) {}
  Child& operator=(Child&& o) noexcept {
    if (this != &o) {
      Kill();
      pid = std::exchange(o.pid, -1);
      log = std::move(o.log);
    }
    return *this;
  }
  void Kill() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
  static Child Start(const std::string& command, const fs::path& log) {
    Child c;
    c.log = log;
    c.pid = ::fork();
    if (c.pid == 0) {
      ::setpgid(0, 0);
      const std::string cmd = "exec " + command + " > '" + log.string() + "' 2>&1";
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return c;
  }
  int Wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void Signal(int sig) const { ::kill(pid, sig); }
  std::string Output() const {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  ~Child() { Kill(); }
};

}  // namespace taifeng_cli_test
