// The board's page, web/index.html, board.js and board.css, built into the binary
// (cmake/embed_web.cmake writes web_assets.cpp from them).
#pragma once

#include <string_view>
#include <vector>

namespace nnlab::board {

struct WebAsset {
  std::string_view path;  // "/index.html"
  std::string_view type;  // its Content-Type
  std::string_view body;
};

const std::vector<WebAsset>& web_assets();

}  // namespace nnlab::board
