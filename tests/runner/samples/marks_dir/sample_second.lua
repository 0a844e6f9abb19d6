local omni = require "omni"
omni.test("globals_do_not_leak", function()
  assert(leaked_global == nil, "a global of another file leaked")
  leaked_global = true
end)
