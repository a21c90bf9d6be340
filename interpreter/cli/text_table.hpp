#pragma once
// Columns padded to their widest cell, two spaces apart: the tables of `runs` and `sweep`.
#include <string>
#include <vector>

namespace yamlnet::cli {

std::string text_table(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows);

}  // namespace yamlnet::cli
