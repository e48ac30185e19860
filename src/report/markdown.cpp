#include "nnlab/report/markdown.h"

#include <fmt/format.h>

#include <algorithm>

#include "nnlab/error.h"

namespace nnlab::report {

std::string escape_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string escape_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("*_`[]<>\\|").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string link_target(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == ' ')
      out += "%20";
    else if (c == '(')
      out += "%28";
    else if (c == ')')
      out += "%29";
    else
      out += c;
  }
  return out;
}

void Markdown::block(std::string_view text) {
  text_ += text;
  if (!text.empty() && text.back() != '\n') text_ += '\n';
  text_ += '\n';
}

Markdown& Markdown::heading(int level, std::string_view text) {
  level = std::clamp(level, 1, 6);
  block(std::string(static_cast<size_t>(level), '#') + " " + escape_cell(text));
  return *this;
}

Markdown& Markdown::paragraph(std::string_view text) {
  block(text);
  return *this;
}

Markdown& Markdown::bullets(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += "- " + escape_cell(item) + "\n";
  block(out);
  return *this;
}

Markdown& Markdown::table(const Table& t) {
  if (t.header.empty()) throw ConfigError("a Markdown table needs at least one column");
  const size_t cols = t.header.size();
  auto row_text = [](const std::vector<std::string>& cells) {
    std::string r = "|";
    for (const std::string& c : cells) {
      r += ' ';
      r += escape_cell(c);
      r += " |";
    }
    return r + "\n";
  };
  std::string out = row_text(t.header) + "|";
  for (size_t i = 0; i < cols; ++i) {
    Align a = i < t.align.size() ? t.align[i] : Align::Left;
    out += a == Align::Right ? " ---: |" : a == Align::Center ? " :---: |" : " --- |";
  }
  out += "\n";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    if (t.rows[r].size() != cols)
      throw ConfigError(
          fmt::format("Markdown table row {} has {} cells for {} columns", r + 1, t.rows[r].size(), cols));
    out += row_text(t.rows[r]);
  }
  block(out);
  return *this;
}

Markdown& Markdown::image(std::string_view alt, std::string_view path) {
  block(fmt::format("![{}]({})", escape_text(alt), link_target(path)));
  return *this;
}

Markdown& Markdown::code(std::string_view text, std::string_view language) {
  // A fence longer than any run of backticks inside, so the text cannot close it.
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(std::max<size_t>(3, longest + 1), '`');
  std::string body(text);
  if (!body.empty() && body.back() != '\n') body += '\n';
  block(fence + std::string(language) + "\n" + body + fence);
  return *this;
}

Markdown& Markdown::note(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += "> " + std::string(text.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  block(out);
  return *this;
}

Markdown& Markdown::insert(size_t position, const Markdown& blocks) {
  if (position > text_.size()) throw ConfigError("Markdown::insert: a position past the end of the text");
  text_.insert(position, blocks.str());
  return *this;
}

Markdown& Markdown::raw(std::string_view text) {
  block(text);
  return *this;
}

}  // namespace nnlab::report
