#include "h5.h"

#include <algorithm>

#include <cstdint>
#include <cstring>

namespace taifeng::data::h5 {
namespace {

template <typename T>
hid_t NativeType();
template <> hid_t NativeType<double>() { return H5T_NATIVE_DOUBLE; }
template <> hid_t NativeType<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t NativeType<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t NativeType<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t NativeType<std::int16_t>() { return H5T_NATIVE_INT16; }
template <> hid_t NativeType<std::int8_t>() { return H5T_NATIVE_INT8; }
template <> hid_t NativeType<std::uint64_t>() { return H5T_NATIVE_UINT64; }

std::string ObjectName(hid_t id) {
  char buf[256] = {0};
  H5Iget_name(id, buf, sizeof buf);
  return buf;
}

[[noreturn]] void Corrupt(hid_t id, const std::string& what) {
  throw Error(ErrorCode::kArchiveCorrupt, "HDF5 object " + ObjectName(id) + ": " + what);
}

std::string RightTrim(std::string s) {
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void SilenceErrors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle OpenFile(const std::string& path) {
  SilenceErrors();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw Error(ErrorCode::kArchiveFormat, path + ": not an HDF5 file");
  }
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!f.valid()) throw Error(ErrorCode::kArchiveCorrupt, path + ": HDF5 file cannot be opened");
  return f;
}

bool Exists(hid_t parent, const char* name) { return H5Lexists(parent, name, H5P_DEFAULT) > 0; }

Handle OpenGroup(hid_t parent, const char* name) {
  if (!Exists(parent, name)) {
    throw Error(ErrorCode::kArchiveFormat, std::string("missing group ") + name);
  }
  Handle g(H5Gopen2(parent, name, H5P_DEFAULT), H5Gclose);
  if (!g.valid()) Corrupt(parent, std::string("cannot open group ") + name);
  return g;
}

Handle OpenDataset(hid_t parent, const char* name) {
  if (!Exists(parent, name)) {
    throw Error(ErrorCode::kArchiveFormat, "missing dataset " + ObjectName(parent) + "/" + name);
  }
  Handle d(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose);
  if (!d.valid()) Corrupt(parent, std::string("cannot open dataset ") + name);
  return d;
}

std::vector<hsize_t> Shape(hid_t dataset) {
  Handle space(H5Dget_space(dataset), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) Corrupt(dataset, "bad dataspace");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

template <typename T>
std::vector<T> ReadNumeric(hid_t dataset) {
  std::size_t n = 1;
  for (hsize_t d : Shape(dataset)) n *= d;
  std::vector<T> out(n);
  if (n > 0 && H5Dread(dataset, NativeType<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) {
    Corrupt(dataset, "data cannot be read (checksum or type mismatch)");
  }
  return out;
}
template std::vector<double> ReadNumeric<double>(hid_t);
template std::vector<float> ReadNumeric<float>(hid_t);
template std::vector<std::int64_t> ReadNumeric<std::int64_t>(hid_t);
template std::vector<std::int32_t> ReadNumeric<std::int32_t>(hid_t);
template std::vector<std::int16_t> ReadNumeric<std::int16_t>(hid_t);
template std::vector<std::int8_t> ReadNumeric<std::int8_t>(hid_t);
template std::vector<std::uint64_t> ReadNumeric<std::uint64_t>(hid_t);

std::vector<std::string> ReadStrings(hid_t dataset) {
  Handle type(H5Dget_type(dataset), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) Corrupt(dataset, "expected strings");
  std::size_t n = 1;
  for (hsize_t d : Shape(dataset)) n *= d;
  std::vector<std::string> out(n);
  if (n == 0) return out;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5T_CSET_UTF8);
    std::vector<char*> raw(n, nullptr);
    if (H5Dread(dataset, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) {
      Corrupt(dataset, "strings cannot be read");
    }
    for (std::size_t i = 0; i < n; ++i) out[i] = raw[i] ? raw[i] : "";
    Handle space(H5Dget_space(dataset), H5Sclose);
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, raw.data());
  } else {
    const std::size_t width = H5Tget_size(type.get());
    std::vector<char> raw(n * width);
    if (H5Dread(dataset, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) {
      Corrupt(dataset, "strings cannot be read");
    }
    for (std::size_t i = 0; i < n; ++i) out[i] = RightTrim(std::string(raw.data() + i * width, width));
  }
  return out;
}

std::vector<std::string> ReadCharArrays(hid_t dataset) {
  const std::vector<hsize_t> dims = Shape(dataset);
  if (dims.empty()) Corrupt(dataset, "expected a char array with a string dimension");
  const std::size_t width = dims.back();
  std::size_t n = 1;
  for (std::size_t i = 0; i + 1 < dims.size(); ++i) n *= dims[i];
  std::vector<char> raw(n * width);
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.get(), 1);
  if (!raw.empty() && H5Dread(dataset, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) {
    Corrupt(dataset, "chars cannot be read");
  }
  std::vector<std::string> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string s(raw.data() + i * width, width);
    s = s.substr(0, std::strlen(s.c_str()));  // netCDF char arrays are NUL padded
    out[i] = RightTrim(std::move(s));
  }
  return out;
}

bool HasAttribute(hid_t object, const char* name) { return H5Aexists(object, name) > 0; }

std::string ReadStringAttribute(hid_t object, const char* name) {
  if (!HasAttribute(object, name)) {
    throw Error(ErrorCode::kArchiveFormat, std::string("missing attribute ") + name);
  }
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) {
    throw Error(ErrorCode::kArchiveFormat, std::string("attribute ") + name + " is not a string");
  }
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5T_CSET_UTF8);
    char* raw = nullptr;
    if (H5Aread(attr.get(), mem.get(), &raw) < 0) Corrupt(object, std::string("attribute ") + name);
    std::string out = raw ? raw : "";
    H5free_memory(raw);
    return out;
  }
  const std::size_t width = H5Tget_size(type.get());
  std::string out(width, '\0');
  if (H5Aread(attr.get(), type.get(), out.data()) < 0) Corrupt(object, std::string("attribute ") + name);
  return RightTrim(out);
}

long long ReadIntAttribute(hid_t object, const char* name) {
  if (!HasAttribute(object, name)) {
    throw Error(ErrorCode::kArchiveFormat, std::string("missing attribute ") + name);
  }
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  long long value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_LLONG, &value) < 0) {
    throw Error(ErrorCode::kArchiveFormat, std::string("attribute ") + name + " is not an integer");
  }
  return value;
}

void Check(herr_t status, const std::string& what) {
  if (status < 0) throw Error(ErrorCode::kIo, "HDF5: " + what + " failed");
}

void WriteStringAttr(hid_t object, const char* name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), value.empty() ? 1 : value.size());
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) throw Error(ErrorCode::kIo, std::string("HDF5: cannot create attribute ") + name);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  Check(H5Awrite(attr.get(), type.get(), padded.data()), std::string("writing attribute ") + name);
}

void WriteIntAttr(hid_t object, const char* name, long long value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(object, name, H5T_STD_I32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) throw Error(ErrorCode::kIo, std::string("HDF5: cannot create attribute ") + name);
  Check(H5Awrite(attr.get(), H5T_NATIVE_LLONG, &value), std::string("writing attribute ") + name);
}

namespace {

Handle ChunkedProps(const std::vector<hsize_t>& dims, int deflate, bool compress) {
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  std::vector<hsize_t> chunk = dims;
  chunk[0] = std::clamp<hsize_t>(dims[0], 1, dims.size() > 1 ? 8192 : 65536);
  Check(H5Pset_chunk(plist.get(), static_cast<int>(chunk.size()), chunk.data()), "H5Pset_chunk");
  if (compress) {  // numeric data; HDF5 cannot filter variable-length strings
    Check(H5Pset_fletcher32(plist.get()), "H5Pset_fletcher32");
    Check(H5Pset_shuffle(plist.get()), "H5Pset_shuffle");
    if (deflate > 0) Check(H5Pset_deflate(plist.get(), static_cast<unsigned>(deflate)), "H5Pset_deflate");
  }
  return plist;
}

}  // namespace

Handle CreateDataset(hid_t group, const char* name, hid_t file_type, const std::vector<hsize_t>& dims, int deflate,
                     bool compress) {
  std::vector<hsize_t> max(dims.size(), H5S_UNLIMITED);
  for (std::size_t i = 1; i < dims.size(); ++i) max[i] = dims[i];
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max.data()), H5Sclose);
  Handle props = ChunkedProps(dims, deflate, compress);
  Handle ds(H5Dcreate2(group, name, file_type, space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT), H5Dclose);
  if (!ds.valid()) throw Error(ErrorCode::kIo, std::string("HDF5: cannot create dataset ") + name);
  return ds;
}

void Annotate(hid_t ds, const Meta& meta) {
  if (meta.units) WriteStringAttr(ds, "units", meta.units);
  if (meta.long_name) WriteStringAttr(ds, "long_name", meta.long_name);
}

void WriteStrings(hid_t group, const char* name, const std::vector<std::string>& data, Meta meta) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle ds = CreateDataset(group, name, type.get(), {data.size()}, 0, false);
  std::vector<const char*> ptrs(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) ptrs[i] = data[i].c_str();
  if (!data.empty()) {
    Check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), std::string("writing ") + name);
  }
  Annotate(ds.get(), meta);
}

Handle CreateGroup(hid_t parent, const char* name) {
  Handle g(H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!g.valid()) throw Error(ErrorCode::kIo, std::string("HDF5: cannot create group ") + name);
  return g;
}


}  // namespace taifeng::data::h5
