#include "interpreter/io/hdf5_file.hpp"

#include <hdf5.h>

#include <atomic>
#include <cstring>

#include "interpreter/core/errors.hpp"

namespace yamlnet {

static_assert(sizeof(hid_t) == sizeof(int64_t), "HDF5 handles are stored as int64_t");

namespace {

// HDF5 prints its own error stack to stderr by default; here every failure becomes a DataError instead.
void silence_hdf5_errors() {
  static const bool once = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)once;
}

// Closes an HDF5 handle of any kind when it goes out of scope.
class H5Handle {
 public:
  H5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  H5Handle(H5Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  H5Handle& operator=(H5Handle&&) = delete;
  ~H5Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// Core-driver files are told apart by name even without a backing store.
std::string memory_file_name() {
  static std::atomic<long> counter{0};
  return "yamlnet-memory-" + std::to_string(counter++) + ".h5";
}

// Object creation properties that leave out HDF5's modification times, so that the same calls write the
// same bytes.
H5Handle timeless(hid_t list_class) {
  H5Handle plist(H5Pcreate(list_class), H5Pclose);
  H5Pset_obj_track_times(plist.get(), 0);
  return plist;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

herr_t collect_link_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

// Bounds on what a file may ask us to allocate: far above any Keras model's attribute or tensor.
constexpr hsize_t kMaxAttributeBytes = hsize_t{1} << 28;
constexpr hsize_t kMaxTensorValues = hsize_t{1} << 31;

}  // namespace

Hdf5File Hdf5File::create(const std::string& name) {
  silence_hdf5_errors();
  H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(fapl.get(), size_t{1} << 16, 0);
  const hid_t id = H5Fcreate(memory_file_name().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (id < 0) throw DataError(name, "HDF5 could not create the file in memory");
  return Hdf5File(id, name);
}

Hdf5File Hdf5File::open_image(const std::string& bytes, const std::string& name) {
  silence_hdf5_errors();
  H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(fapl.get(), size_t{1} << 16, 0);
  if (bytes.empty() || H5Pset_file_image(fapl.get(), const_cast<char*>(bytes.data()), bytes.size()) < 0)
    throw DataError(name, "not an HDF5 file (empty)");
  const hid_t id = H5Fopen(memory_file_name().c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0) throw DataError(name, "not an HDF5 file, or a damaged one (HDF5 cannot open it)");
  return Hdf5File(id, name);
}

Hdf5File::Hdf5File(Hdf5File&& other) noexcept : id_(other.id_), name_(std::move(other.name_)) {
  other.id_ = -1;
}

Hdf5File::~Hdf5File() {
  if (id_ >= 0) H5Fclose(id_);
}

void Hdf5File::fail(const std::string& what) const {
  throw DataError(name_, what);
}

std::string Hdf5File::image() {
  if (H5Fflush(id_, H5F_SCOPE_GLOBAL) < 0) fail("HDF5 could not flush the file");
  const ssize_t size = H5Fget_file_image(id_, nullptr, 0);
  if (size < 0) fail("HDF5 could not give the file's bytes");
  std::string out(static_cast<size_t>(size), '\0');
  if (H5Fget_file_image(id_, out.data(), out.size()) != size) fail("HDF5 could not give the file's bytes");
  return out;
}

bool Hdf5File::has(const std::string& path) const {
  // H5Lexists fails rather than says no when a parent is missing: walk down one link at a time.
  std::string prefix;
  for (const std::string& part : split_path(path)) {
    prefix += "/" + part;
    if (H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (H5Oexists_by_name(id_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

int64_t Hdf5File::open_object(const std::string& path) const {
  if (!has(path)) fail("no '" + path + "' in the file");
  const hid_t obj = H5Oopen(id_, path.empty() ? "/" : path.c_str(), H5P_DEFAULT);
  if (obj < 0) fail("HDF5 cannot open '" + path + "'");
  return obj;
}

bool Hdf5File::is_group(const std::string& path) const {
  if (!has(path)) return false;
  H5Handle obj(open_object(path), H5Oclose);
  return H5Iget_type(obj.get()) == H5I_GROUP;
}

bool Hdf5File::has_attr(const std::string& path, const std::string& attr) const {
  if (!has(path)) return false;
  H5Handle obj(open_object(path), H5Oclose);
  return H5Aexists(obj.get(), attr.c_str()) > 0;
}

std::vector<std::string> Hdf5File::children(const std::string& path) const {
  if (!is_group(path)) fail("'" + path + "' is not a group");
  H5Handle group(H5Gopen2(id_, path.empty() ? "/" : path.c_str(), H5P_DEFAULT), H5Gclose);
  std::vector<std::string> names;
  hsize_t index = 0;
  if (H5Literate(group.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_link_name, &names) < 0)
    fail("HDF5 cannot list the group '" + path + "'");
  return names;
}

void Hdf5File::create_group(const std::string& path) {
  std::string prefix;
  const H5Handle gcpl = timeless(H5P_GROUP_CREATE);
  for (const std::string& part : split_path(path)) {
    prefix += "/" + part;
    if (H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) > 0) continue;
    H5Handle group(H5Gcreate2(id_, prefix.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose);
    if (!group.ok()) fail("HDF5 cannot create the group '" + prefix + "'");
  }
}

void Hdf5File::write_float32(const std::string& path, const Tensor& value) {
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos) create_group(path.substr(0, slash));
  std::vector<hsize_t> dims(value.shape.begin(), value.shape.end());
  H5Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                              : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                 H5Sclose);
  const H5Handle dcpl = timeless(H5P_DATASET_CREATE);
  H5Handle dataset(
      H5Dcreate2(id_, path.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      H5Dclose);
  if (!dataset.ok()) fail("HDF5 cannot create the dataset '" + path + "'");
  std::vector<float> values(value.data.begin(), value.data.end());
  if (H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    fail("HDF5 cannot write the dataset '" + path + "'");
}

void Hdf5File::set_string(const std::string& path, const std::string& attr, const std::string& value,
                          bool variable_length) {
  H5Handle obj(open_object(path), H5Oclose);
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), variable_length ? H5T_VARIABLE : std::max<size_t>(value.size(), 1));
  if (variable_length)
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
  else
    H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Handle a(H5Acreate2(obj.get(), attr.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
  if (!a.ok()) fail("HDF5 cannot create the attribute '" + attr + "' of '" + path + "'");
  const char* text = value.c_str();
  const herr_t status = variable_length ? H5Awrite(a.get(), type.get(), &text)
                                        : H5Awrite(a.get(), type.get(), value.empty() ? "" : value.data());
  if (status < 0) fail("HDF5 cannot write the attribute '" + attr + "' of '" + path + "'");
}

void Hdf5File::set_strings(const std::string& path, const std::string& attr,
                           const std::vector<std::string>& values) {
  H5Handle obj(open_object(path), H5Oclose);
  size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  const hsize_t count = values.size();
  H5Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  H5Handle type(values.empty() ? H5Tcopy(H5T_IEEE_F64LE) : H5Tcopy(H5T_C_S1), H5Tclose);
  if (!values.empty()) {
    H5Tset_size(type.get(), width);
    H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  }
  H5Handle a(H5Acreate2(obj.get(), attr.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
  if (!a.ok()) fail("HDF5 cannot create the attribute '" + attr + "' of '" + path + "'");
  std::string packed(values.size() * width + 1, '\0');
  for (size_t i = 0; i < values.size(); ++i)
    std::memcpy(&packed[i * width], values[i].data(), values[i].size());
  if (H5Awrite(a.get(), type.get(), packed.data()) < 0)
    fail("HDF5 cannot write the attribute '" + attr + "' of '" + path + "'");
}

std::vector<std::string> Hdf5File::strings(const std::string& path, const std::string& attr) const {
  H5Handle obj(open_object(path), H5Oclose);
  if (H5Aexists(obj.get(), attr.c_str()) <= 0) fail("'" + path + "' has no attribute '" + attr + "'");
  H5Handle a(H5Aopen(obj.get(), attr.c_str(), H5P_DEFAULT), H5Aclose);
  H5Handle type(H5Aget_type(a.get()), H5Tclose);
  H5Handle space(H5Aget_space(a.get()), H5Sclose);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (!a.ok() || !type.ok() || count < 0)
    fail("HDF5 cannot read the attribute '" + attr + "' of '" + path + "'");
  const std::string where = "the attribute '" + attr + "' of '" + (path.empty() ? "/" : path) + "'";
  if (H5Tget_class(type.get()) != H5T_STRING) {
    if (count == 0) return {};  // h5py writes an empty list as an empty float64 array
    fail(where + " is not text");
  }
  std::vector<std::string> out;
  const auto n = static_cast<size_t>(count);
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Handle memtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memtype.get(), H5T_VARIABLE);
    H5Tset_cset(memtype.get(), H5Tget_cset(type.get()));  // HDF5 converts no text between ASCII and UTF-8
    std::vector<char*> texts(n, nullptr);
    if (H5Aread(a.get(), memtype.get(), texts.data()) < 0) fail("HDF5 cannot read " + where);
    for (char* t : texts) out.emplace_back(t ? t : "");
    H5Dvlen_reclaim(memtype.get(), space.get(), H5P_DEFAULT, texts.data());
    return out;
  }
  const size_t width = H5Tget_size(type.get());
  if (width == 0 || static_cast<hsize_t>(n) * width > kMaxAttributeBytes) fail(where + " is too large");
  std::string packed(n * width, '\0');
  H5Handle memtype(H5Tcopy(type.get()), H5Tclose);
  if (H5Aread(a.get(), memtype.get(), packed.data()) < 0) fail("HDF5 cannot read " + where);
  for (size_t i = 0; i < n; ++i) {
    std::string entry = packed.substr(i * width, width);
    entry.resize(std::strlen(entry.c_str()));  // fixed-length strings are padded with NULs (or spaces)
    while (!entry.empty() && entry.back() == ' ') entry.pop_back();
    out.push_back(std::move(entry));
  }
  return out;
}

std::string Hdf5File::string(const std::string& path, const std::string& attr) const {
  const std::vector<std::string> values = strings(path, attr);
  if (values.size() != 1)
    fail("the attribute '" + attr + "' of '" + path + "' holds " + std::to_string(values.size()) +
         " strings, not one");
  return values[0];
}

Tensor Hdf5File::read_tensor(const std::string& path) const {
  if (!has(path)) fail("no dataset '" + path + "'");
  H5Handle dataset(H5Dopen2(id_, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.ok()) fail("'" + path + "' is not a dataset");
  H5Handle type(H5Dget_type(dataset.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) fail("the dataset '" + path + "' does not hold numbers");
  H5Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) fail("the dataset '" + path + "' has an unreadable shape");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Shape shape;
  hsize_t total = 1;
  for (hsize_t d : dims) {
    if (d > kMaxTensorValues || (d > 0 && total > kMaxTensorValues / d))
      fail("the dataset '" + path + "' is larger than yamlnet reads");
    total *= d;
    shape.push_back(static_cast<Index>(d));
  }
  std::vector<double> values(static_cast<size_t>(total));
  if (total > 0 &&
      H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    fail("HDF5 cannot read the dataset '" + path + "'");
  Tensor out(shape);
  for (size_t i = 0; i < values.size() && i < out.data.size(); ++i)
    out.data[i] = static_cast<Real>(values[i]);
  return out;
}

}  // namespace yamlnet
