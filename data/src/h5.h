// Private: one small owner per kind of HDF5 handle, and the few typed read/write helpers the
// archive and the IBTrACS reader need. The only place besides their .cpp files that includes
// hdf5.h. Not thread-safe (Debian's HDF5 is built without the thread-safe option): callers use
// one file per thread.
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>
#include <vector>

#include "taifeng/base/error.h"

namespace taifeng::data::h5 {

// Owns an hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      Reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  ~Handle() { Reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void Reset() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Turns HDF5's automatic error printing off for the process (errors become exceptions here).
void SilenceErrors();

Handle OpenFile(const std::string& path);  // read-only; throws Error(kArchiveFormat) if not HDF5
Handle OpenGroup(hid_t parent, const char* name);                    // throws if absent
Handle OpenDataset(hid_t parent, const char* name);                  // throws if absent
bool Exists(hid_t parent, const char* name);

// Number of elements along each dimension.
std::vector<hsize_t> Shape(hid_t dataset);

// Reads a whole numeric dataset converted to T (double, float, int64, int32, int16, int8).
template <typename T>
std::vector<T> ReadNumeric(hid_t dataset);

// Reads a 1-D string dataset (fixed or variable length) into strings.
std::vector<std::string> ReadStrings(hid_t dataset);

// Reads a dataset of fixed-width char arrays (netCDF "char" with a trailing string dimension):
// shape (n, width) or (n, m, width) gives n or n*m strings, right-trimmed of NULs and spaces.
std::vector<std::string> ReadCharArrays(hid_t dataset);

// Attributes.
bool HasAttribute(hid_t object, const char* name);
std::string ReadStringAttribute(hid_t object, const char* name);
long long ReadIntAttribute(hid_t object, const char* name);

}  // namespace taifeng::data::h5
