// A 5×7 pixel font for captions on image grids: digits, letters (lower case drawn as upper
// case) and a little punctuation; any other character is drawn as '?'.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace nnlab::data::detail {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;
inline constexpr int kGlyphAdvance = 6;  // one blank column between characters

// Row r of the glyph, bit (kGlyphWidth - 1 - x) set where column x is ink.
std::array<uint8_t, kGlyphHeight> glyph(char c);

// Draws `text` into an interleaved RGB image of width × height with its top-left corner at
// (x, y), clipping whatever falls outside.
void draw_text(std::span<uint8_t> rgb, int64_t width, int64_t height, int64_t x, int64_t y, std::string_view text,
               std::array<uint8_t, 3> color);

}  // namespace nnlab::data::detail
