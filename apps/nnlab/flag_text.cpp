#include "flag_text.h"

#include <regex>

#include "nnlab/option_table.h"

namespace nnlab::cli {

std::string keys_as_flags(const std::string& text, const std::set<std::string>* flags) {
  static const std::regex key_pattern("`([a-z][a-z0-9_]*)`");
  std::string out;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), key_pattern), end; it != end; ++it) {
    const std::string flag = flag_for((*it)[1].str());
    out.append(last, text.cbegin() + it->position());
    out += !flags || flags->count(flag) ? flag : it->str();
    last = text.cbegin() + it->position() + it->length();
  }
  out.append(last, text.cend());
  return out;
}

std::set<std::string> all_flags(const CLI::App& app) {
  std::set<std::string> out;
  for (const CLI::Option* o : app.get_options())
    for (const std::string& name : o->get_lnames()) out.insert("--" + name);
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    std::set<std::string> inner = all_flags(*sub);
    out.insert(inner.begin(), inner.end());
  }
  return out;
}

}  // namespace nnlab::cli
