#pragma once
// An HDF5 file held in memory: the few operations Keras's files need (groups, float datasets, string
// attributes), over the HDF5 C API. A .keras archive carries its weights as an HDF5 file inside a zip, so the
// file is built and read as bytes; the legacy .h5 is the same bytes written to disk. Every failure is a
// DataError naming the file and the object.
#include <cstdint>
#include <string>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

class Hdf5File {
 public:
  // An empty file to write; `name` is the path errors and image() are for.
  static Hdf5File create(const std::string& name);
  // `bytes` (a whole HDF5 file) opened read-only. Throws DataError when they are not an HDF5 file.
  static Hdf5File open_image(const std::string& bytes, const std::string& name);

  Hdf5File(Hdf5File&& other) noexcept;
  Hdf5File& operator=(Hdf5File&&) = delete;
  Hdf5File(const Hdf5File&) = delete;
  ~Hdf5File();

  // The file's bytes as written so far. The same calls give the same bytes: no object records a time.
  std::string image();

  // Writing. Paths are '/'-separated from the root; missing parent groups are created.
  void create_group(const std::string& path);
  void write_float32(const std::string& path, const Tensor& value);
  // A scalar string attribute: variable-length UTF-8 (h5py's str) or fixed-length (h5py's bytes).
  void set_string(const std::string& path, const std::string& attr, const std::string& value,
                  bool variable_length);
  // A one-dimensional array of fixed-length strings (h5py's numpy array of bytes); an empty list is
  // an empty float64 array, as h5py writes it.
  void set_strings(const std::string& path, const std::string& attr, const std::vector<std::string>& values);

  // Reading.
  bool has(const std::string& path) const;
  bool is_group(const std::string& path) const;
  bool has_attr(const std::string& path, const std::string& attr) const;
  // The entries of the group at `path`, by name.
  std::vector<std::string> children(const std::string& path) const;
  // A string attribute: a scalar gives one entry, an array each of its entries, an empty array none.
  std::vector<std::string> strings(const std::string& path, const std::string& attr) const;
  std::string string(const std::string& path, const std::string& attr) const;
  // A dataset of any integer or floating-point type, converted.
  Tensor read_tensor(const std::string& path) const;

  const std::string& name() const { return name_; }

 private:
  Hdf5File(int64_t id, std::string name) : id_(id), name_(std::move(name)) {}
  int64_t open_object(const std::string& path) const;
  [[noreturn]] void fail(const std::string& what) const;

  int64_t id_ = -1;
  std::string name_;
};

}  // namespace yamlnet
