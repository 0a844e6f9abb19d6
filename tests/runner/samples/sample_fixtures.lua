-- Fixture scopes, teardown order, autouse, request, indirect params.
local omni = require "omni"
local log = {}
local function note(s) log[#log + 1] = s; io.stdout:write(s, "\n") end

omni.fixture("sess", { scope = "session" }, function(request)
  note("setup sess " .. tostring(request.param))
  coroutine.yield("S" .. tostring(request.param))
  note("teardown sess " .. tostring(request.param))
end)
omni.fixture("mod", { scope = "module" }, function(sess)
  note("setup mod")
  coroutine.yield("M")
  note("teardown mod")
end)
omni.fixture("fn", {}, function(mod, request)
  note("setup fn " .. request.nodeid)
  coroutine.yield("F")
  note("teardown fn")
end)
omni.fixture("auto", { autouse = true }, function() note("auto") end)

omni.test("a", { params = { sess = omni.indirect({ 1, 2 }) } }, function(fn, sess)
  assert(sess == "S1" or sess == "S2")
end)
omni.test("b", { params = { sess = omni.indirect({ 2, 1 }) } }, function(sess) end)
omni.test("log", function(request)
  print(table.concat(log, ";"))
end)
