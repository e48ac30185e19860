#!/usr/bin/env bash
# Fails when a program holds AVX-512 (EVEX-encoded) instructions outside the kernels built
# for that level (namespace nnlab::cpu::avx512, their OpenMP outlined parts included): the
# library is built for x86-64-v2 and must run on CPUs without AVX-512. It catches a
# -march flag leaking into the whole build and, more subtly, an inline function from a
# header that an AVX-512 kernel instantiated out of line and the linker then kept for
# every caller.
#   tests/isa/evex_outside_kernels.sh BINARY...
set -euo pipefail
status=0
for binary in "$@"; do
  [ -x "$binary" ] || { echo "evex_outside_kernels: $binary is not an executable" >&2; exit 2; }
  # objdump lines: address, raw bytes, mnemonic (tab-separated); continuation lines of long
  # instructions carry bytes only. An instruction is EVEX-encoded when its first byte after
  # legacy prefixes (segment, address size) is 0x62, which is no valid 64-bit opcode else.
  report=$(objdump -d -C "$binary" | awk -F'\t' '
    /^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn); next }
    NF >= 3 && $3 != "" {
      n = split($2, b, " "); i = 1
      while (i <= n && b[i] ~ /^(26|2e|36|3e|64|65|67)$/) i++
      if (i <= n && b[i] == "62" && index(fn, "nnlab::cpu::avx512::") == 0) count[fn]++
    }
    END { for (f in count) printf "%6d  %s\n", count[f], f }' | sort -rn)
  total=$(objdump -d "$binary" | awk -F'\t' 'NF >= 3 && $3 != "" { n = split($2, b, " "); i = 1
      while (i <= n && b[i] ~ /^(26|2e|36|3e|64|65|67)$/) i++; if (i <= n && b[i] == "62") c++ } END { print c + 0 }')
  if [ -n "$report" ]; then
    echo "evex_outside_kernels: $binary has AVX-512 instructions outside nnlab::cpu::avx512 (count, function):"
    echo "$report" | head -20
    status=1
  else
    echo "evex_outside_kernels: $binary: all $total AVX-512 instructions are inside nnlab::cpu::avx512"
  fi
done
exit $status
