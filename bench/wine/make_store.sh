#!/bin/sh
# Writes an IPsec policy store of N policies (default 1,000) as a .reg file (UTF-8 text) on stdout:
# ipsecPolicy{GUID} keys under ...\IPSec\Policy\Local named Bulk-0000.., with the values netsh
# writes (ipsecName, ipsecID, description, ClassName, ipsecDataType, ipsecData).
n=${1:-1000}
awk -v n="$n" 'BEGIN {
  printf "Windows Registry Editor Version 5.00\r\n\r\n"
  for (i = 0; i < n; i++) {
    g = sprintf("{00000000-0000-4000-8000-%012d}", i)
    printf "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy%s]\r\n", g
    printf "\"ClassName\"=\"ipsecPolicy\"\r\n"
    printf "\"ipsecName\"=\"Bulk-%04d\"\r\n", i
    printf "\"ipsecID\"=\"%s\"\r\n", g
    printf "\"description\"=\"bulk policy %d\"\r\n", i
    printf "\"ipsecDataType\"=dword:00000100\r\n"
    printf "\"ipsecData\"=hex:63,21,20,22,4c,4f,d1,11,86,3b,00,a0,24,8d,30,21,04,00,00,00,30,2a,00,00,00\r\n\r\n"
  }
}'
