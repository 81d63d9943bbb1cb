return {
  registry = {
    ["HKLM\\SOFTWARE\\Mend"] = {
      Count = { type = "REG_DWORD", data = 42 },
      Name = { type = "REG_SZ", data = "x" },
      List = { type = "REG_MULTI_SZ", data = { "a", "b" } },
      Raw = { type = "REG_BINARY", hex = "0102ff" },
    },
  },
}
