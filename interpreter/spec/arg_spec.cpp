#include "interpreter/spec/arg_spec.hpp"

#include <algorithm>
#include <cctype>

namespace yamlnet {

const FunctionInfo* FunctionFamily::find(const std::string& wanted) const {
  const std::string key = snake_case(wanted);
  for (const auto& m : members) {
    if (m.name == wanted || m.name == key) return &m;
    for (const auto& a : m.aliases)
      if (a == wanted || a == key) return &m;
  }
  return nullptr;
}

std::vector<std::string> FunctionFamily::names() const {
  std::vector<std::string> out;
  for (const auto& m : members) out.push_back(m.name);
  return out;
}

ArgSpec int_arg(std::string name, std::optional<int64_t> def, std::string doc, std::optional<double> min) {
  ArgSpec a{std::move(name), ArgType::Int, def ? Value::integer(*def) : Value::none(), std::move(doc)};
  a.min = min;
  a.max = kLargestIntArg;
  return a;
}

ArgSpec float_arg(std::string name, std::optional<double> def, std::string doc, std::optional<double> min,
                  std::optional<double> max) {
  ArgSpec a{std::move(name), ArgType::Float, def ? Value::number(*def) : Value::none(), std::move(doc)};
  a.min = min;
  a.max = max;
  return a;
}

ArgSpec bool_arg(std::string name, bool def, std::string doc) {
  return ArgSpec{std::move(name), ArgType::Bool, Value::boolean(def), std::move(doc)};
}

ArgSpec string_arg(std::string name, std::optional<std::string> def, std::string doc) {
  return ArgSpec{std::move(name), ArgType::String, def ? Value::string(*def) : Value::none(), std::move(doc)};
}

ArgSpec enum_arg(std::string name, std::string def, std::vector<std::string> choices, std::string doc) {
  ArgSpec a{std::move(name), ArgType::Enum, Value::string(std::move(def)), std::move(doc)};
  a.choices = std::move(choices);
  return a;
}

ArgSpec int_list_arg(std::string name, std::string doc, bool required, std::optional<double> min) {
  ArgSpec a{std::move(name), ArgType::IntList, Value::none(), std::move(doc)};
  a.required = required;
  a.min = min;
  a.max = kLargestIntArg;
  return a;
}

ArgSpec float_list_arg(std::string name, std::string doc, bool required, std::optional<double> min) {
  ArgSpec a{std::move(name), ArgType::FloatList, Value::none(), std::move(doc)};
  a.required = required;
  a.min = min;
  return a;
}

ArgSpec function_arg(std::string name, const FunctionFamily& family, std::optional<std::string> def,
                     std::string doc) {
  ArgSpec a{std::move(name), ArgType::Function, Value::none(), std::move(doc)};
  a.family = &family;
  if (def) a.default_value = Value::string(*def);  // resolved to a full function value by the parser
  return a;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates) {
  // An abbreviation (`min` for `minval`) is the likeliest meaning.
  if (word.size() >= 3)
    for (const auto& c : candidates)
      if (c.size() > word.size() && c.compare(0, word.size(), word) == 0) return c;
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string snake_case(const std::string& name) {
  // Keras's to_snake_case: an underscore before a capital that starts a word (followed by a lowercase letter
  // or digit) or that follows a lowercase letter. LSTM -> lstm, SimpleRNN -> simple_rnn, L1L2 -> l1_l2,
  // GlobalAveragePooling1D -> global_average_pooling1d.
  auto lower = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; };
  auto upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (upper(c) && i > 0 && name[i - 1] != '_') {
      const bool starts_word = i + 1 < name.size() && (lower(name[i + 1]) || digit(name[i + 1]));
      if (starts_word || lower(name[i - 1])) out += '_';
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string camel_case(const std::string& snake) {
  std::string out;
  bool upper = true;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

}  // namespace yamlnet
