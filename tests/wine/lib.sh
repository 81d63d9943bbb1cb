# Shared by the Wine shell tests (sourced): check, has, win. The caller sets fail=0 first.
check() {  # check DESCRIPTION COMMAND...: $desc holds the description
  if "$@"; then echo "ok   $desc"; else echo "FAIL $desc"; fail=1; fi
}
has() {    # has FILE TEXT: the JSON report holds TEXT once whitespace is gone
  tr -d ' \t\r\n' < "$1" | grep -qF -e "$2"
}
win() { winepath -w "$1" 2>/dev/null; }
