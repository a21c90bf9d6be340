// The log reader's pieces: block-wise lines, in-place fields and numbers (which must read exactly as the
// copying versions do), and the grouping of interactions by user and time.
#include "interpreter/data/text_fields.hpp"

#include <doctest/doctest.h>

#include "interpreter/app/config_tables.hpp"
#include "interpreter/data/interaction_log.hpp"
#include "interpreter/graph/graph.hpp"
#include "tests/support/test_support.hpp"

using namespace yamlnet;
using namespace yamlnet::testing;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  for_each_line(path, [&](std::string_view line) { out.emplace_back(line); });
  return out;
}

std::string number_error(const std::function<void()>& read) {
  try {
    read();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("text fields: lines read in blocks, a last line without newline, lines longer than a block") {
  TempDir dir;
  CHECK(lines_of(dir.write("a.txt", "one\ntwo\r\n\nthree")) ==
        std::vector<std::string>{"one", "two\r", "", "three"});
  CHECK(lines_of(dir.write("b.txt", "")).empty());
  CHECK(lines_of(dir.write("c.txt", "\n")) == std::vector<std::string>{""});
  const std::string long_line(9u << 20, 'x');  // over two 4 MB blocks
  const auto lines = lines_of(dir.write("d.txt", "a\n" + long_line + "\nb\n"));
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == long_line);
  CHECK(lines[2] == "b");
  CHECK_THROWS_AS(lines_of(dir.path("missing.txt")), DataError);
}

TEST_CASE("text fields: in-place fields and numbers read as the copying versions do") {
  std::vector<std::string_view> views;
  for (const std::string line : {"1\t2\t3", "1\t\t3", "1\t2\t", "\t", "", "only", "a\t\t"}) {
    split_line_views(line, '\t', views);
    const auto copies = split_line(line, '\t');
    REQUIRE(views.size() == copies.size());
    for (size_t k = 0; k < views.size(); ++k) CHECK(std::string(views[k]) == copies[k]);
  }
  for (const std::string text : {"0",
                                 "7",
                                 "-0",
                                 "007",
                                 "123456789012345",
                                 "1234567890123456",
                                 "-42",
                                 "+5",
                                 " 5",
                                 "1e3",
                                 "2.5",
                                 ".5",
                                 "5.",
                                 "0x1A",
                                 "9007199254740993",
                                 "-",
                                 "",
                                 "abc",
                                 "1 ",
                                 "inf",
                                 "nan",
                                 "1e400"}) {
    const std::vector<std::string> copies{text};
    const std::vector<std::string_view> in_place{text};
    const std::string copy_error = number_error([&] { number_field(copies, 0, "f", 3); });
    const std::string view_error = number_error([&] { number_field(in_place, 0, "f", 3); });
    CAPTURE(text);
    CHECK(view_error == copy_error);
    if (copy_error.empty()) CHECK(number_field(in_place, 0, "f", 3) == number_field(copies, 0, "f", 3));
  }
  const std::vector<std::string_view> short_line{"1"};
  CHECK(number_error([&] { number_field(short_line, 2, "log.data", 9); }).find("log.data:9") !=
        std::string::npos);
}

TEST_CASE("interaction log: histories grouped by user, ordered by time with ties in file order") {
  TempDir dir;
  // user item rating time; users out of order, two of user 2's at the same time.
  const std::string path =
      dir.write("u.data", "2\t10\t5\t5\n0\t11\t5\t1\n2\t12\t5\t5\n1\t13\t5\t3\n2\t14\t5\t4\n");
  const ModelSpec spec = parse_model_spec(
      "inputs: {u: {shape: [1]}}\nlayers: [{name: d, type: Dense, units: 1}]\n"
      "data: {type: implicit_feedback, path: '" +
          path + "'}\n",
      "log.yaml");
  const InteractionLog log = read_interaction_log(spec.data.args, std::nullopt, std::nullopt);
  REQUIRE(log.by_user.size() == 3);
  CHECK(log.num_items == 15);
  std::vector<Index> items;
  for (const auto& e : log.by_user[2]) items.push_back(e.item);
  CHECK(items == std::vector<Index>{14, 10, 12});
  CHECK(log.by_user[0].size() == 1);
  CHECK(log.by_user[1][0].line == 4);
  size_t users = 0, events = 0;
  for (const auto history : log.by_user) {
    ++users;
    events += history.size();
  }
  CHECK(users == 3);
  CHECK(events == 5);
  CHECK(log.written_user_id == std::vector<long long>{0, 1, 2});
}

TEST_CASE("interaction log: ids of 2^31 and more are refused unless renumbered") {
  TempDir dir;
  const std::string path = dir.write("u.data", "1\t2\t5\t1\n2147483648\t3\t5\t2\n");
  auto read = [&](const std::string& extra) {
    const ModelSpec spec = parse_model_spec(
        "inputs: {u: {shape: [1]}}\nlayers: [{name: d, type: Dense, units: 1}]\n"
        "data: {type: implicit_feedback, path: '" +
            path + "'" + extra + "}\n",
        "log.yaml");
    return read_interaction_log(spec.data.args, std::nullopt, std::nullopt);
  };
  CHECK_THROWS_WITH_AS(read(""), doctest::Contains("u.data:2: error: id 2147483648 is beyond 2^31 - 1"),
                       DataError);
  const InteractionLog renumbered = read(", ids: remap");
  REQUIRE(renumbered.by_user.size() == 3);
  CHECK(renumbered.written_user_id[2] == 2147483648LL);
  CHECK(renumbered.by_user[2][0].item == 2);  // item 3 is the second item seen
}

TEST_CASE("interaction log: a log that is not there is a data error naming it") {
  TempDir dir;
  const std::string path = dir.path("missing/u.data");
  const ModelSpec spec = parse_model_spec(
      "inputs: {u: {shape: [1]}}\nlayers: [{name: d, type: Dense, units: 1}]\n"
      "data: {type: implicit_feedback, path: '" +
          path + "'}\n",
      "log.yaml");
  CHECK_THROWS_WITH_AS(read_interaction_log(spec.data.args, std::nullopt, std::nullopt),
                       doctest::Contains(path.c_str()), DataError);
}
