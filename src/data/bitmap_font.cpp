#include "data/bitmap_font.h"

#include <cctype>

namespace nnlab::data::detail {
namespace {

using Glyph = std::array<uint8_t, kGlyphHeight>;

// Rows top to bottom, five bits each, the leftmost column in the high bit.
constexpr Glyph kDigits[10] = {
    {0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110},  // 0
    {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},  // 1
    {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111},  // 2
    {0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110},  // 3
    {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010},  // 4
    {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110},  // 5
    {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110},  // 6
    {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000},  // 7
    {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110},  // 8
    {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100},  // 9
};

constexpr Glyph kLetters[26] = {
    {0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001},  // A
    {0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110},  // B
    {0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110},  // C
    {0b11100, 0b10010, 0b10001, 0b10001, 0b10001, 0b10010, 0b11100},  // D
    {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111},  // E
    {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000},  // F
    {0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111},  // G
    {0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001},  // H
    {0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},  // I
    {0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100},  // J
    {0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001},  // K
    {0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111},  // L
    {0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001},  // M
    {0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001},  // N
    {0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110},  // O
    {0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000},  // P
    {0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101},  // Q
    {0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001},  // R
    {0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110},  // S
    {0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100},  // T
    {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110},  // U
    {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100},  // V
    {0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010},  // W
    {0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001},  // X
    {0b10001, 0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100},  // Y
    {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111},  // Z
};

constexpr Glyph kSpace = {0, 0, 0, 0, 0, 0, 0};
constexpr Glyph kDash = {0, 0, 0, 0b11111, 0, 0, 0};
constexpr Glyph kSlash = {0, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0};
constexpr Glyph kUnderscore = {0, 0, 0, 0, 0, 0, 0b11111};
constexpr Glyph kDot = {0, 0, 0, 0, 0, 0b01100, 0b01100};
constexpr Glyph kColon = {0, 0b01100, 0b01100, 0, 0b01100, 0b01100, 0};
constexpr Glyph kQuestion = {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0, 0b00100};

}  // namespace

Glyph glyph(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isdigit(u)) return kDigits[c - '0'];
  if (std::isalpha(u)) return kLetters[std::toupper(u) - 'A'];
  switch (c) {
    case ' ': return kSpace;
    case '-': return kDash;
    case '/': return kSlash;
    case '_': return kUnderscore;
    case '.': return kDot;
    case ':': return kColon;
    default: return kQuestion;
  }
}

void draw_text(std::span<uint8_t> rgb, int64_t width, int64_t height, int64_t x, int64_t y, std::string_view text,
               std::array<uint8_t, 3> color) {
  for (size_t i = 0; i < text.size(); ++i) {
    const Glyph g = glyph(text[i]);
    const int64_t left = x + static_cast<int64_t>(i) * kGlyphAdvance;
    for (int r = 0; r < kGlyphHeight; ++r)
      for (int col = 0; col < kGlyphWidth; ++col) {
        if (!(g[r] >> (kGlyphWidth - 1 - col) & 1)) continue;
        const int64_t px = left + col, py = y + r;
        if (px < 0 || py < 0 || px >= width || py >= height) continue;
        uint8_t* p = rgb.data() + (py * width + px) * 3;
        p[0] = color[0];
        p[1] = color[1];
        p[2] = color[2];
      }
  }
}

}  // namespace nnlab::data::detail
