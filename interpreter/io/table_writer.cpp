#include "interpreter/io/table_writer.hpp"

#include "interpreter/core/errors.hpp"
#include "interpreter/data/sources.hpp"
#include "interpreter/io/atomic_file.hpp"
#include "interpreter/io/weights.hpp"

namespace yamlnet {

void check_rows_file_type(const std::string& path, const std::string& what) {
  const auto slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if ((base.ends_with(".csv") && base.size() > 4) || (base.ends_with(".npy") && base.size() > 4)) return;
  const auto dot = base.rfind('.');
  throw UsageError(what + " " + path + ": " +
                   (dot == std::string::npos || dot == 0 ? std::string("no file type")
                                                         : "unknown file type '" + base.substr(dot) + "'") +
                   "; write .csv or .npy");
}

std::vector<std::string> write_rows(const std::string& path, const std::vector<IdColumn>& ids,
                                    const std::vector<ValueBlock>& blocks) {
  check_rows_file_type(path, "output");
  const Index rows = blocks.empty() ? 0 : blocks[0].values->batch();
  if (path.ends_with(".npy")) {
    if (blocks.size() != 1) throw UsageError("several outputs cannot go into one .npy file: write a .csv");
    std::vector<std::string> written{path};
    write_file_atomically(path, npy_bytes(*blocks[0].values));
    if (!ids.empty()) {
      Tensor id_values({rows, static_cast<Index>(ids.size())});
      for (Index r = 0; r < rows; ++r)
        for (size_t c = 0; c < ids.size(); ++c)
          id_values.data[r * static_cast<Index>(ids.size()) + static_cast<Index>(c)] =
              static_cast<Real>(ids[c].values[r]);
      const std::string side = path.substr(0, path.size() - 4) + ".ids.npy";
      write_file_atomically(side, npy_bytes(id_values));
      written.push_back(side);
    }
    return written;
  }
  std::string text;
  auto separate = [&text](bool& first) {
    if (!first) text += ',';
    first = false;
  };
  bool first = true;
  for (const auto& id : ids) separate(first), text += id.name;
  for (const auto& b : blocks) {
    const Index w = b.values->row_size();
    for (Index c = 0; c < w; ++c) {
      separate(first);
      text += b.name;
      if (w > 1) text.append(1, '_').append(std::to_string(c));
    }
  }
  text += '\n';
  for (Index r = 0; r < rows; ++r) {
    first = true;
    for (const auto& id : ids) separate(first), text += std::to_string(id.values[r]);
    for (const auto& b : blocks) {
      const Index w = b.values->row_size();
      for (Index c = 0; c < w; ++c)
        separate(first), text += format_float(static_cast<float>(b.values->data[r * w + c]));
    }
    text += '\n';
  }
  write_file_atomically(path, text);
  return {path};
}

}  // namespace yamlnet
