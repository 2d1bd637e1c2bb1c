/* Test support (never linked into Taifeng): an LD_PRELOAD library that kills the process with
 * SIGKILL at its first write to a file whose path ends with the value of TAIFENG_TEST_KILL_AT_WRITE
 * (e.g. "journal.sqlite-wal": the moment SQLite starts to write a COMMIT to its write-ahead log).
 * The CLI's crash tests run the real `taifeng` binary under it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static void MaybeKill(int fd) {
  const char* suffix = getenv("TAIFENG_TEST_KILL_AT_WRITE");
  if (!suffix || !*suffix) return;
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return;
  path[n] = '\0';
  const size_t ls = strlen(suffix), lp = (size_t)n;
  if (lp >= ls && strcmp(path + lp - ls, suffix) == 0) raise(SIGKILL);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t) = NULL;
  if (!real) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
  MaybeKill(fd);
  return real(fd, buf, count, offset);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t) = NULL;
  if (!real) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
  MaybeKill(fd);
  return real(fd, buf, count, offset);
}

ssize_t write(int fd, const void* buf, size_t count) {
  static ssize_t (*real)(int, const void*, size_t) = NULL;
  if (!real) real = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  if (fd > 2) MaybeKill(fd);
  return real(fd, buf, count);
}
