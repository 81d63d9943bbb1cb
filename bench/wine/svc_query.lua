-- Queries the service named by mend.args[1] (PolicyAgent by default), as `sc query NAME` does.
local s = assert(svc.query(mend.args[1] or "PolicyAgent"))
print(s.name, s.state, s.pid)
return 0
