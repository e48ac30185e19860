// Markdown text for reports: headings, paragraphs, lists, tables, images, code and notes,
// in the CommonMark + GitHub-table dialect that GitHub and most viewers render.
//
//   report::Markdown md;
//   md.heading(1, "CE vs MSE").paragraph("What was measured.");
//   md.table({{"loss", "accuracy"}, {report::Align::Left, report::Align::Right}, {{"ce", "97.4 %"}}});
//   io::write_file_atomic("report.md", md.str());
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nnlab::report {

enum class Align { Left, Right, Center };

struct Table {
  std::vector<std::string> header;
  std::vector<Align> align;                    // one per column; missing entries are Left
  std::vector<std::vector<std::string>> rows;  // each as wide as the header
};

class Markdown {
 public:
  Markdown& heading(int level, std::string_view text);  // level 1..6
  Markdown& paragraph(std::string_view text);
  Markdown& bullets(const std::vector<std::string>& items);
  // Throws ConfigError for a row whose width differs from the header's.
  Markdown& table(const Table& table);
  Markdown& image(std::string_view alt, std::string_view path);
  Markdown& code(std::string_view text, std::string_view language = "");
  Markdown& note(std::string_view text);  // a block quote
  Markdown& raw(std::string_view text);   // appended as given, then a blank line

  // Where the next block goes, and a later insertion there: a summary written after the
  // sections it sums up can still open the report.
  size_t position() const { return text_.size(); }
  Markdown& insert(size_t position, const Markdown& blocks);

  const std::string& str() const { return text_; }

 private:
  void block(std::string_view text);
  std::string text_;
};

// A table cell: '|' escaped, line breaks turned into spaces.
std::string escape_cell(std::string_view text);
// Text with Markdown's inline markers (* _ ` [ ] < > \ |) escaped, for names that come from data.
std::string escape_text(std::string_view text);
// A link target: spaces and parentheses percent-encoded so that the link stays one token.
std::string link_target(std::string_view path);

}  // namespace nnlab::report
