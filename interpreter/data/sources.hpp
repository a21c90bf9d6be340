#pragma once
// Readers for the array formats a `data` block names. Each throws DataError naming the file (and row).
#include <string>
#include <vector>

#include "interpreter/core/tensor.hpp"

namespace yamlnet {

// Throws DataError when `path` is a folder (a stream opens one and then reads nothing).
void check_regular_file(const std::string& path);

// An MNIST-family IDX file, gzip'd or not: [N, d1, d2, ...].
Tensor read_idx(const std::string& path);

// A NumPy .npy file (C order; float, int, uint and bool types): its shape as stored.
Tensor read_npy(const std::string& path);
// Writes a float32 .npy file (used by `predict`).
std::string npy_bytes(const Tensor& t);

// A delimited text table. `lines[r]` is the 1-based file line of row r, for error messages.
struct Table {
  std::vector<std::string> header;  // empty when the file has none
  std::vector<std::vector<double>> rows;
  std::vector<long> lines;
  Index columns = 0;
};
Table read_table(const std::string& path, char delimiter, bool header);

}  // namespace yamlnet
