// libFuzzer target: any bytes as a config. Parsing and validating may only end in a yamlnet::Error; anything
// else - a crash, a sanitizer report, another exception, a hang - is a bug. The oracle is stricter than "no
// crash": a config error about a document that YAML could parse must point at a line, and no message may
// call itself an internal error. Run longer by hand: build-sanitize/fuzz_config -max_total_time=3600 corpus/
// configs/ tests/configs/invalid
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "interpreter/app/session.hpp"
#include "interpreter/spec/yaml_documents.hpp"

namespace {

bool parses_as_yaml(const std::string& text) {
  try {
    yamlnet::read_yaml_documents(text);
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

[[noreturn]] void oracle_failure(const char* why, const std::string& message) {
  std::fprintf(stderr, "fuzz_config oracle: %s:\n%s\n", why, message.c_str());
  std::abort();
}

// A message may quote the input (an unknown argument's name), and libFuzzer lifts the phrase out of this very
// check into its inputs; so the phrase counts only when the input does not contain it.
void check_not_internal(const std::string& message, const std::string& input) {
  const char* phrase = "internal error";
  if (message.find(phrase) != std::string::npos && input.find(phrase) == std::string::npos)
    oracle_failure("a message calls itself an internal error", message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // libFuzzer's out-of-memory report can take many minutes under ASan before it saves the input; with this
  // set, each input is written here first, so the one that ran out is at hand at once.
  if (const char* path = std::getenv("YAMLNET_FUZZ_CURRENT"))
    if (FILE* f = std::fopen(path, "wb")) {
      std::fwrite(data, 1, size, f);
      std::fclose(f);
    }
  try {
    yamlnet::ModelSpec spec = yamlnet::parse_model_spec(text, "fuzz.yaml");
    // Keep the models the fuzzer invents small: max_memory is the guard under test here.
    const uint64_t limit = 64u << 20;
    if (spec.max_memory == 0 || spec.max_memory > limit) spec.max_memory = limit;
    yamlnet::validate_model(spec);
  } catch (const yamlnet::ConfigError& e) {
    check_not_internal(e.what(), text);
    // A config error without a line for a document that parses is a bug too. The check found three: an empty
    // file, an unknown key in a `data` block of unknown type, an init_from entry without `path` (yaml-cpp's
    // "invalid node", thrown while the tree is walked).
    if (parses_as_yaml(text))
      for (const auto& d : e.diagnostics())
        if (d.loc.line <= 0) oracle_failure("a config error without a line", d.format());
  } catch (const yamlnet::Error& e) {
    check_not_internal(e.what(), text);
  }
  return 0;
}
