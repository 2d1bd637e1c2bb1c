// An SQLite VFS that passes every call to the default one (unix) but first asks an Env whether a
// write or a sync of the file should fail (Env::FaultBeforeWrite / FaultBeforeSync), so tests
// can inject EIO and ENOSPC into the journal and the SMS record where SQLite does its own I/O.
#include <sqlite3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "taifeng/base/env.h"
#include "taifeng/detail/sqlite.h"

namespace taifeng::detail::sqlite {
namespace {

struct ShimFile {
  sqlite3_file base;   // pMethods: the shim's methods
  Env* env;
  const char* path;    // owned by SQLite for the file's lifetime
  sqlite3_file* real;  // follows this struct in the same allocation
};

ShimFile* Shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Shim(f)->real; }

int ErrnoToSqlite(int err, int io_code) { return err == ENOSPC ? SQLITE_FULL : io_code; }

int Close(sqlite3_file* f) {
  const int rc = Real(f)->pMethods ? Real(f)->pMethods->xClose(Real(f)) : SQLITE_OK;
  return rc;
}
int Read(sqlite3_file* f, void* p, int n, sqlite3_int64 o) { return Real(f)->pMethods->xRead(Real(f), p, n, o); }
int Write(sqlite3_file* f, const void* p, int n, sqlite3_int64 o) {
  if (Shim(f)->path)
    if (const int err = Shim(f)->env->FaultBeforeWrite(Shim(f)->path)) return ErrnoToSqlite(err, SQLITE_IOERR_WRITE);
  return Real(f)->pMethods->xWrite(Real(f), p, n, o);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) { return Real(f)->pMethods->xTruncate(Real(f), size); }
int Sync(sqlite3_file* f, int flags) {
  if (Shim(f)->path)
    if (const int err = Shim(f)->env->FaultBeforeSync(Shim(f)->path)) return ErrnoToSqlite(err, SQLITE_IOERR_FSYNC);
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) { return Real(f)->pMethods->xFileSize(Real(f), size); }
int Lock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int Unlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int CheckReservedLock(sqlite3_file* f, int* out) { return Real(f)->pMethods->xCheckReservedLock(Real(f), out); }
int FileControl(sqlite3_file* f, int op, void* arg) { return Real(f)->pMethods->xFileControl(Real(f), op, arg); }
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) { return Real(f)->pMethods->xDeviceCharacteristics(Real(f)); }
int ShmMap(sqlite3_file* f, int pg, int sz, int extend, void volatile** p) {
  return Real(f)->pMethods->xShmMap(Real(f), pg, sz, extend, p);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) { return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags); }
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int Fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) { return Real(f)->pMethods->xFetch(Real(f), o, n, p); }
int Unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) { return Real(f)->pMethods->xUnfetch(Real(f), o, p); }

const sqlite3_io_methods kShimMethods = {3,        Close,       Read,     Write,  Truncate, Sync,
                                         FileSize, Lock,        Unlock,   CheckReservedLock,
                                         FileControl, SectorSize, DeviceCharacteristics,
                                         ShmMap,   ShmLock,     ShmBarrier, ShmUnmap, Fetch, Unfetch};

struct ShimVfs {
  sqlite3_vfs vfs;
  Env* env;
  std::string name;
};

sqlite3_vfs* Parent(sqlite3_vfs* v) { return static_cast<sqlite3_vfs*>(v->pAppData); }

int Open(sqlite3_vfs* v, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  ShimFile* s = Shim(f);
  s->env = reinterpret_cast<ShimVfs*>(v)->env;
  s->path = name;
  s->real = reinterpret_cast<sqlite3_file*>(s + 1);
  const int rc = Parent(v)->xOpen(Parent(v), name, s->real, flags, out_flags);
  s->base.pMethods = s->real->pMethods ? &kShimMethods : nullptr;
  return rc;
}
int Delete(sqlite3_vfs* v, const char* n, int sync) { return Parent(v)->xDelete(Parent(v), n, sync); }
int Access(sqlite3_vfs* v, const char* n, int flags, int* out) { return Parent(v)->xAccess(Parent(v), n, flags, out); }
int FullPathname(sqlite3_vfs* v, const char* n, int size, char* out) { return Parent(v)->xFullPathname(Parent(v), n, size, out); }
void* DlOpen(sqlite3_vfs* v, const char* n) { return Parent(v)->xDlOpen(Parent(v), n); }
void DlError(sqlite3_vfs* v, int n, char* msg) { Parent(v)->xDlError(Parent(v), n, msg); }
void (*DlSym(sqlite3_vfs* v, void* h, const char* s))(void) { return Parent(v)->xDlSym(Parent(v), h, s); }
void DlClose(sqlite3_vfs* v, void* h) { Parent(v)->xDlClose(Parent(v), h); }
int Randomness(sqlite3_vfs* v, int n, char* out) { return Parent(v)->xRandomness(Parent(v), n, out); }
int Sleep(sqlite3_vfs* v, int us) { return Parent(v)->xSleep(Parent(v), us); }
int CurrentTime(sqlite3_vfs* v, double* t) { return Parent(v)->xCurrentTime(Parent(v), t); }
int GetLastError(sqlite3_vfs* v, int n, char* s) { return Parent(v)->xGetLastError(Parent(v), n, s); }
int CurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* t) { return Parent(v)->xCurrentTimeInt64(Parent(v), t); }

}  // namespace

const char* VfsFor(Env& env) {
  if (&env == &Env::Default()) return nullptr;
  static std::mutex mu;
  static std::map<Env*, ShimVfs*> registered;  // VFSs stay registered for the process's life
  std::lock_guard lock(mu);
  if (const auto it = registered.find(&env); it != registered.end()) return it->second->name.c_str();
  sqlite3_vfs* parent = sqlite3_vfs_find(nullptr);
  if (!parent) throw Error(ErrorCode::kInternal, "SQLite has no default VFS");
  auto* shim = new ShimVfs{};
  char name[64];
  std::snprintf(name, sizeof name, "taifeng-env-%p", static_cast<void*>(&env));
  shim->name = name;
  shim->env = &env;
  sqlite3_vfs& v = shim->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(ShimFile)) + parent->szOsFile;
  v.mxPathname = parent->mxPathname;
  v.zName = shim->name.c_str();
  v.pAppData = parent;
  v.xOpen = Open, v.xDelete = Delete, v.xAccess = Access, v.xFullPathname = FullPathname;
  v.xDlOpen = DlOpen, v.xDlError = DlError, v.xDlSym = DlSym, v.xDlClose = DlClose;
  v.xRandomness = Randomness, v.xSleep = Sleep, v.xCurrentTime = CurrentTime, v.xGetLastError = GetLastError;
  v.xCurrentTimeInt64 = CurrentTimeInt64;
  if (sqlite3_vfs_register(&v, 0) != SQLITE_OK) throw Error(ErrorCode::kInternal, "cannot register the SQLite VFS " + shim->name);
  registered[&env] = shim;
  return shim->name.c_str();
}

}  // namespace taifeng::detail::sqlite
