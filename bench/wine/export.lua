-- Exports the benchmark subtree to the file named by mend.args[1].
assert(reg.export([[HKLM\SOFTWARE\MendBench]], mend.args[1]))
return 0
