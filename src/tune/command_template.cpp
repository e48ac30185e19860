#include "nnlab/tune/command_template.h"

#include <fmt/format.h>

#include "nnlab/error.h"

namespace nnlab::tune {

CommandTemplate::CommandTemplate(const std::string& text, const SearchSpace& space) : text_(text) {
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;
      ++i;
      continue;
    }
    if (c == '}')
      throw ConfigError(fmt::format("`command`: unmatched '}}' at position {} (write '}}}}' for a literal brace)", i));
    if (c != '{') {
      literal += c;
      continue;
    }
    size_t close = text.find('}', i);
    if (close == std::string::npos)
      throw ConfigError(fmt::format("`command`: '{{' at position {} is never closed (write '{{{{' for a literal brace)", i));
    if (i > 0 && text[i - 1] == '$') {  // ${VAR}: the shell's
      literal += text.substr(i, close - i + 1);
      i = close;
      continue;
    }
    std::string name = text.substr(i + 1, close - i - 1);
    if (!space.find(name)) {
      std::string names;
      for (auto& p : space.params()) names += (names.empty() ? "" : ", ") + p.name;
      throw ConfigError(fmt::format("`command` uses {{{}}}, which is not a parameter of the search space ({})", name,
                                    names));
    }
    pieces_.push_back({false, literal});
    literal.clear();
    pieces_.push_back({true, name});
    referenced_.insert(name);
    i = close;
  }
  pieces_.push_back({false, literal});
}

std::string CommandTemplate::render(const Params& params) const {
  std::string out;
  for (auto& piece : pieces_) {
    if (!piece.is_param) {
      out += piece.text;
      continue;
    }
    auto it = params.find(piece.text);
    if (it != params.end()) out += it->second.is_string() ? shell_quote(format_value(it->second)) : format_value(it->second);
  }
  return out;
}

std::string shell_quote(const std::string& word) {
  bool safe = !word.empty();
  for (char c : word)
    safe &= std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._+-=,:/@%").find(c) != std::string_view::npos;
  if (safe) return word;
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace nnlab::tune
