// The test binaries' main: doctest's, after pointing the run registry at a file of this process's own, so
// that the yamlnet processes the tests start record their runs there and not in the source tree's runs/.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
  const std::string registry =
      (std::filesystem::temp_directory_path() / ("yamlnet-tests-" + std::to_string(getpid()) + ".sqlite"))
          .string();
  if (!std::getenv("YAMLNET_REGISTRY")) setenv("YAMLNET_REGISTRY", registry.c_str(), 1);
  doctest::Context context(argc, argv);
  const int result = context.run();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(registry + suffix);
  return result;
}
