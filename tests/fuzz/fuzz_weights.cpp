// libFuzzer target: any bytes as a weights file, read into a small model and by the model-free reader (diff,
// weights-summary). Only yamlnet::Error may come out. Run longer by hand:
// build-sanitize/fuzz_weights -max_total_time=3600 corpus/ tests/inputs/weights
#include <cstdint>
#include <string>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/graph/model.hpp"
#include "interpreter/io/weights.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const yamlnet::ModelSpec spec = yamlnet::parse_model_spec(
      "name: w\ninputs: {x: {shape: [3]}}\nlayers: [{name: d, type: Dense, units: 2}]\n", "w.yaml");
  const std::string text(reinterpret_cast<const char*>(data), size);
  yamlnet::Model model(spec);
  try {
    yamlnet::load_weights_from_text(model, text, "fuzz.json");
  } catch (const yamlnet::Error&) {
  }
  try {
    yamlnet::parse_weights_file(text, "fuzz.json");
  } catch (const yamlnet::Error&) {
  }
  return 0;
}
