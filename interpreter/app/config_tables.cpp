#include "interpreter/app/config_tables.hpp"

#include "interpreter/data/data_source.hpp"
#include "interpreter/train/fit_spec.hpp"

namespace yamlnet {

const ConfigTables& builtin_config_tables() {
  static const ConfigTables tables{builtin_registry(), compile_table(), fit_table(),
                                   data_type_declarations()};
  return tables;
}

ModelSpec load_model_spec(const std::string& path, const std::vector<std::string>& overrides) {
  return load_model_spec(path, overrides, builtin_config_tables());
}

ModelSpec parse_model_spec(const std::string& text, const std::string& file,
                           const std::vector<std::string>& overrides) {
  return parse_model_spec(text, file, overrides, builtin_config_tables());
}

}  // namespace yamlnet
