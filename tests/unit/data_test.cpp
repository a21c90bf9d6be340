// Data sources and the checks that turn bad data into an error naming the file and row.
#include <doctest/doctest.h>
#include <zlib.h>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/data/dataset.hpp"
#include "interpreter/data/sources.hpp"
#include "interpreter/graph/model.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

std::string idx_bytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
  std::string out{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((d >> s) & 0xff);
  out.append(values.begin(), values.end());
  return out;
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("idx files, plain and gzip'd") {
  TempDir dir;
  const std::string bytes = idx_bytes({2, 2, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255});
  write_gz(dir.path("a.gz"), bytes);
  dir.write("a.idx", bytes);
  for (const auto& name : {"a.gz", "a.idx"}) {
    const Tensor t = read_idx(dir.path(name));
    CHECK(t.shape == Shape{2, 2, 3});
    CHECK(t.data[11] == 255);
  }
  dir.write("short.idx", bytes.substr(0, bytes.size() - 2));
  CHECK(message_of([&] { read_idx(dir.path("short.idx")); }).find("truncated") != std::string::npos);
  CHECK(message_of([&] { read_idx(dir.path("missing.idx")); }).find("cannot open") != std::string::npos);
}

TEST_CASE("npy files: our writer's output reads back, integer dtypes convert") {
  TempDir dir;
  Tensor t({2, 3});
  for (Index i = 0; i < 6; ++i) t.data[i] = static_cast<Real>(i) * 0.5f;
  dir.write("a.npy", npy_bytes(t));
  const Tensor back = read_npy(dir.path("a.npy"));
  CHECK(back.shape == t.shape);
  CHECK(back.data == t.data);
  std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
  header.append(128 - 10 - header.size() - 1, ' ');
  header += '\n';
  // Appended piece by piece: GCC 12 warns falsely (-Warray-bounds) on a chain of string + string.
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header;
  for (int64_t v : {7, -2, 40}) bytes.append(reinterpret_cast<const char*>(&v), 8);
  dir.write("i.npy", bytes);
  const Tensor ints = read_npy(dir.path("i.npy"));
  CHECK(ints.shape == Shape{3});
  CHECK(to_vector(ints.data) == std::vector<Real>{7, -2, 40});
}

TEST_CASE("csv: ragged rows and non-numbers are errors with file and line") {
  TempDir dir;
  const std::string ok = dir.write("ok.csv", "a,b,label\n1,2,0\n\n3.5,-4,1\n");
  const Table t = read_table(ok, ',', true);
  CHECK(t.rows.size() == 2);
  CHECK(t.lines == std::vector<long>{2, 4});
  const std::string ragged = dir.write("ragged.csv", "a,b\n1,2\n3\n");
  CHECK(message_of([&] { read_table(ragged, ',', true); }) ==
        ragged + ":3: error: ragged row: 1 fields where the header has 2");
  const std::string text = dir.write("text.csv", "a,b\n1,x\n");
  CHECK(message_of([&] { read_table(text, ',', true); }) ==
        text + ":2: error: column 'b': 'x' is not a number");
  const std::string empty = dir.write("empty.csv", "a,b\n");
  CHECK(message_of([&] { read_table(empty, ',', true); }) == empty + ": error: the file has no data rows");
}

TEST_CASE("loaded data is checked against the model: ids, labels, NaN, shapes") {
  TempDir dir;
  const std::string config = R"(name: checks
inputs:
  ids: {shape: [2], dtype: int32}
layers:
  - {name: emb, type: Embedding, input_dim: 5, output_dim: 2}
  - {name: flat, type: Flatten}
  - {name: out, type: Dense, units: 3, activation: softmax}
compile: {loss: sparse_categorical_crossentropy}
data:
  type: csv
  columns: {ids: [u, v], y: [label]}
  train: {path: PATH}
)";
  auto load = [&](const std::string& csv) {
    const std::string path = dir.write("d.csv", csv);
    std::string text = config;
    text.replace(text.find("PATH"), 4, path);
    Model model(parse_model_spec(text, "checks.yaml"));
    return load_data(model.spec(), model, {1}, true);
  };
  CHECK(load("u,v,label\n1,2,0\n4,0,2\n").train->size() == 2);
  const std::string path = dir.path("d.csv");
  CHECK(message_of([&] { load("u,v,label\n1,2,0\n4,7,2\n"); }) ==
        path + ":3: error: id 7 is outside [0, 5) of layer 'emb' (input_dim 5)");
  CHECK(message_of([&] { load("u,v,label\n1,2,3\n"); }) ==
        path + ":2: error: label 3.000000 is not a class index in [0, 3) of output 'out'");
  CHECK(message_of([&] { load("u,v,label\n1,2,0\n1,nan,0\n"); }) ==
        path + ":3: error: value nan is not finite");
  CHECK(message_of([&] { load("u,v,label\n1.5,2,0\n"); }) ==
        path + ":2: error: input 'ids' is int but holds 1.500000");
}
