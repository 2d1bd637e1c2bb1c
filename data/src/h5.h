// Private: one small owner per kind of HDF5 handle, and the few typed read/write helpers the
// archive and the IBTrACS reader need. The only place besides their .cpp files that includes
// hdf5.h. Not thread-safe (Debian's HDF5 is built without the thread-safe option): callers use
// one file per thread.
#pragma once

#include <hdf5.h>

#include <cstdint>
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

// Reads a whole numeric dataset converted to T (double, float, int64, int32, int16, int8, uint64).
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


// ---- Writing (the archive and the risk atlas) ----

// The file and memory types of a column's element type.
template <typename T>
struct Types;
template <>
struct Types<double> {
  static hid_t File() { return H5T_IEEE_F64LE; }
  static hid_t Mem() { return H5T_NATIVE_DOUBLE; }
};
template <>
struct Types<float> {
  static hid_t File() { return H5T_IEEE_F32LE; }
  static hid_t Mem() { return H5T_NATIVE_FLOAT; }
};
template <>
struct Types<std::int64_t> {
  static hid_t File() { return H5T_STD_I64LE; }
  static hid_t Mem() { return H5T_NATIVE_INT64; }
};
template <>
struct Types<std::int32_t> {
  static hid_t File() { return H5T_STD_I32LE; }
  static hid_t Mem() { return H5T_NATIVE_INT32; }
};
template <>
struct Types<std::int8_t> {
  static hid_t File() { return H5T_STD_I8LE; }
  static hid_t Mem() { return H5T_NATIVE_INT8; }
};
template <>
struct Types<std::uint8_t> {
  static hid_t File() { return H5T_STD_U8LE; }
  static hid_t Mem() { return H5T_NATIVE_UINT8; }
};
template <>
struct Types<std::uint64_t> {
  static hid_t File() { return H5T_STD_U64LE; }
  static hid_t Mem() { return H5T_NATIVE_UINT64; }
};

void Check(herr_t status, const std::string& what);  // throws Error(kIo) "HDF5: what failed" when status < 0
void WriteStringAttr(hid_t object, const char* name, const std::string& value);
void WriteIntAttr(hid_t object, const char* name, long long value);
Handle CreateGroup(hid_t parent, const char* name);

// A dataset's CF-style attributes.
struct Meta {
  const char* units = nullptr;
  const char* long_name = nullptr;
};

// A chunked dataset (first dimension extendable); `compress`: Fletcher-32, shuffle and deflate.
Handle CreateDataset(hid_t group, const char* name, hid_t file_type, const std::vector<hsize_t>& dims, int deflate, bool compress);
void Annotate(hid_t ds, const Meta& meta);

// A numeric column (or array of shape `dims`, default {data.size()}), compressed and checksummed.
template <typename T>
void WriteColumn(hid_t group, const char* name, const std::vector<T>& data, int deflate, Meta meta,
                 std::vector<hsize_t> dims = {}) {
  if (dims.empty()) dims = {data.size()};
  Handle ds = CreateDataset(group, name, Types<T>::File(), dims, deflate, true);
  if (!data.empty()) {
    Check(H5Dwrite(ds.get(), Types<T>::Mem(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
          std::string("writing ") + name);
  }
  Annotate(ds.get(), meta);
}

// A 1-D dataset of UTF-8 variable-length strings.
void WriteStrings(hid_t group, const char* name, const std::vector<std::string>& data, Meta meta);

}  // namespace taifeng::data::h5
