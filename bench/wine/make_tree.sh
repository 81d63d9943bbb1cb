#!/bin/sh
# Writes the benchmark's subtree as a .reg file (UTF-8 text) on stdout: N keys (default 10,000)
# under HKLM\SOFTWARE\MendBench, 100 per folder, each with a string, a DWORD and a binary value.
n=${1:-10000}
awk -v n="$n" 'BEGIN {
  printf "Windows Registry Editor Version 5.00\r\n\r\n"
  for (i = 1; i <= n; i++) {
    printf "[HKEY_LOCAL_MACHINE\\SOFTWARE\\MendBench\\group%03d\\key%05d]\r\n", int(i / 100), i
    printf "\"name\"=\"policy entry %d\"\r\n", i
    printf "\"index\"=dword:%08x\r\n", i
    b = sprintf("%02x", i % 256); s = b
    for (k = 1; k < 24; k++) s = s "," b
    printf "\"data\"=hex:%s\r\n\r\n", s
  }
}'
