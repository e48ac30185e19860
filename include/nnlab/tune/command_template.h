// The --command of a study: a shell command line with the trial's parameters in braces,
//   train.py --lr {lr} --optimizer {optimizer}
// {name} becomes the value (0.001, 64, adam, true); a string that the shell would split or
// interpret is single-quoted. A parameter that does not exist in the trial (its condition
// does not hold) becomes empty. "{{" and "}}" are literal braces, and "${...}" is left to
// the shell. A name that is not a parameter is an error, caught before any trial runs.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "nnlab/tune/search_space.h"

namespace nnlab::tune {

class CommandTemplate {
 public:
  // Throws ConfigError naming the unknown placeholder or the unbalanced brace.
  CommandTemplate(const std::string& text, const SearchSpace& space);
  std::string render(const Params& params) const;
  const std::set<std::string>& referenced() const { return referenced_; }
  const std::string& text() const { return text_; }

 private:
  struct Piece {
    bool is_param;
    std::string text;  // literal text, or the parameter name
  };
  std::string text_;
  std::vector<Piece> pieces_;
  std::set<std::string> referenced_;
};

// The value as one shell word: unchanged when it is safe, else in single quotes.
std::string shell_quote(const std::string& word);

}  // namespace nnlab::tune
