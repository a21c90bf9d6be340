// libFuzzer target: any bytes as a config. Parsing and validating may only end in a yamlnet::Error (a
// message with file:line:col); anything else - a crash, a sanitizer report, another exception, a hang - is a
// bug. Run longer by hand: build-sanitize/fuzz_config -max_total_time=3600 corpus/ configs/
// tests/configs/invalid
#include <cstdint>
#include <string>

#include "interpreter/app/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    yamlnet::ModelSpec spec = yamlnet::parse_model_spec(text, "fuzz.yaml");
    // Keep the models the fuzzer invents small: max_memory is the guard under test here.
    const uint64_t limit = 64u << 20;
    if (spec.max_memory == 0 || spec.max_memory > limit) spec.max_memory = limit;
    yamlnet::validate_model(spec);
  } catch (const yamlnet::Error&) {
  }
  return 0;
}
