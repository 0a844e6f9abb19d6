local omni = require "omni"
omni.test("custom", { marks = { "custom_mark" } }, function(from_conftest)
  assert(from_conftest == "conf")
  assert(leaked_global == nil, "a global of another file leaked")
  leaked_global = true
end)
