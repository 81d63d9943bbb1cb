-- A handle scan of the whole system, names included; prints how many handles it saw.
local list = assert(handles.scan{})
print(#list .. " handles")
return 0
