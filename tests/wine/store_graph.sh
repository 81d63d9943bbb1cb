#!/bin/sh
# Under Wine: a realistic local store (two policies sharing a filter list, one assigned) imported
# with Wine's `reg import`, one policy removed by mend.exe's registry rung removal, and its backup
# imported again with `reg import`. Runs inside run_in_prefix.sh.
# usage: store_graph.sh MEND_EXE HELPER_DIR SCRIPT_DIR (where store_graph.lua is)
set -u
mend_exe=$1
helpers=$2
luadir=$3
. "$(dirname "$0")/lib.sh"
wine_work graph
wine_tools "$helpers" log

# The store as polstore writes it (MS-GPIPSEC 2.2.2; value layout as public tools show it).
python3 - "$work/graph.reg" <<'PY'
import sys
L = r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local"
def g(n): return "{7b0e4a10-0000-4000-8000-%012x}" % n
def ref(cls, n): return L + "\\" + cls + g(n)
def multi(*s):
    b = ("\0".join(s) + "\0\0").encode("utf-16-le")
    return "hex(7):" + ",".join("%02x" % c for c in b)
def obj(cls, n, name, extra):
    v = [("ClassName", '"%s"' % cls), ("description", '""'),
         ("ipsecData", "hex:" + ",".join(["00"] * 20)), ("ipsecDataType", "dword:00000100"),
         ("ipsecID", '"%s"' % g(n)), ("ipsecName", '"%s"' % name), ("name", '"%s%s"' % (cls, g(n))),
         ("whenChanged", "dword:6955b900")] + extra
    return "[HKEY_LOCAL_MACHINE\\%s]\r\n" % ref(cls, n) + "".join(
        '"%s"=%s\r\n' % (k, x.replace("\\", "\\\\") if x.startswith('"') else x) for k, x in v) + "\r\n"
out = "Windows Registry Editor Version 5.00\r\n\r\n"
out += "[HKEY_LOCAL_MACHINE\\%s]\r\n\"ActivePolicy\"=\"%s\"\r\n\r\n" % (L, ref("ipsecPolicy", 1).replace("\\", "\\\\"))
filt = 0xf001
for p, name in ((1, "Corp-QM"), (2, "Branch")):
    pol, isakmp, nfa, neg = ref("ipsecPolicy", p), ref("ipsecISAKMPPolicy", 0x100 + p), ref("ipsecNFA", 0x200 + p), ref("ipsecNegotiationPolicy", 0x300 + p)
    out += obj("ipsecPolicy", p, name, [("ipsecISAKMPReference", '"%s"' % isakmp), ("ipsecNFAReference", multi(nfa))])
    out += obj("ipsecISAKMPPolicy", 0x100 + p, name + " key exchange", [("ipsecOwnersReference", multi(pol))])
    out += obj("ipsecNFA", 0x200 + p, name + " rule", [("ipsecOwnersReference", multi(pol)),
               ("ipsecNegotiationPolicyReference", '"%s"' % neg), ("ipsecFilterReference", multi(ref("ipsecFilter", filt)))])
    out += obj("ipsecNegotiationPolicy", 0x300 + p, name + " filter action", [("ipsecOwnersReference", multi(nfa)),
               ("ipsecNegotiationPolicyAction", '"{8a171dd3-77e3-11d1-8659-a04f00000000}"'),
               ("ipsecNegotiationPolicyType", '"{62f49e10-6c37-11d1-864c-14a300000000}"')])
out += obj("ipsecFilter", filt, "LAN", [("ipsecOwnersReference", multi(ref("ipsecNFA", 0x201), ref("ipsecNFA", 0x202)))])
open(sys.argv[1], "wb").write(b"\xff\xfe" + out.encode("utf-16-le"))
PY
wine reg import "$(win "$work/graph.reg")" >/dev/null 2>&1 || { echo "FAIL reg import of the store"; exit 1; }

wine "$mend_exe" --allow registry run "$(win "$luadir/store_graph.lua")" remove "$(win "$work")" 2>"$work/remove.err" || fail=1
backup=$(cat "$work/backup.txt" 2>/dev/null)
if [ -n "$backup" ] && wine reg import "$backup" >/dev/null 2>&1; then
  echo "ok   Wine's reg import takes the backup"
else
  echo "FAIL Wine's reg import of the backup '$backup'"; fail=1
fi
wine "$mend_exe" run "$(win "$luadir/store_graph.lua")" restored "$(win "$work")" 2>"$work/restored.err" || fail=1
wine_finish "$work/remove.err" "$work/restored.err"
