-- Fixture scopes, teardown order, autouse, request, indirect params. Every
-- step is appended to the file named by -o log=PATH.
local omni = require "omni"

local function note(request, s)
  local f = assert(io.open(request.config.log, "a"))
  f:write(s, "\n")
  f:close()
end

omni.fixture("server", { scope = "session" }, function(request)
  note(request, "setup server " .. request.param)
  coroutine.yield("server-" .. request.param)
  note(request, "teardown server " .. request.param)
end)
omni.fixture("mod", { scope = "module" }, function(request)
  note(request, "setup mod")
  coroutine.yield("M")
  note(request, "teardown mod")
end)
omni.fixture("fn", {}, function(mod, request)
  note(request, "setup fn")
  coroutine.yield(mod .. "F")
  note(request, "teardown fn")
end)
omni.fixture("auto", { autouse = true }, function(request) note(request, "auto " .. request.node.name) end)
omni.fixture("returns", {}, function() return 7 end)

omni.test("uses_fn", function(fn, returns, request, run_level)
  assert(fn == "MF" and returns == 7)
  assert(request.nodeid:match("::uses_fn$") and run_level == request.run_level)
end)
omni.test("a", { params = { server = omni.indirect({ "x", "y" }) } }, function(server)
  assert(server == "server-x" or server == "server-y")
end)
omni.test("b", { params = { server = omni.indirect({ "y", "x" }) } }, function(server) end)
