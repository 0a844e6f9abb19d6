-- Fixture params, request.addfinalizer and request.getfixturevalue, for
-- test_fixture_dynamic.lua. Each test appends to a log file (-o log=PATH)
-- so the order of setups, teardowns and finalizers can be checked.
local omni = require "omni"

local function log(request, line)
  local f = assert(io.open(request.config.log, "a"))
  f:write(line, "\n")
  f:close()
end

omni.fixture("backend", { scope = "module", params = { "cpu", "gpu" } }, function(request)
  log(request, "setup " .. request.param)
  request.addfinalizer(function() log(request, "finalizer " .. request.param) end)
  coroutine.yield(request.param)
  log(request, "teardown " .. request.param)
end)

omni.fixture("device", function(backend) return "dev-" .. backend end)

omni.fixture("plain", function(request)
  request.addfinalizer(function() log(request, "plain finalizer 1") end)
  request:addfinalizer(function() log(request, "plain finalizer 2") end)
  return "plain"
end)

omni.fixture("numbered", { params = { omni.param(1, { id = "one" }), { k = 2 } } }, function(request)
  return request.param
end)

omni.test("direct", function(backend, request) log(request, "test direct " .. backend) end)
omni.test("through_fixture", function(device) assert(device == "dev-cpu" or device == "dev-gpu") end)
omni.test("with_own_params", { params = { n = { 1, 2 } } }, function(n, backend) end)
omni.test("overridden", { params = { backend = { "tpu" } } }, function(backend) assert(backend == "tpu") end)
omni.test("ids", function(numbered) end)
omni.test("finalizers_lifo", function(plain, request)
  request.addfinalizer(function() log(request, "test finalizer") end)
end)
omni.test("dynamic", function(request)
  assert(request.getfixturevalue("plain") == "plain")
  assert(request.getfixturevalue("tmp_path"):match("/tmp"))
end)
omni.test("dynamic_unknown", function(request) request.getfixturevalue("no_such_fixture") end)
omni.test("dynamic_parametrized", function(request) request.getfixturevalue("device") end)
omni.test("finalizer_error", function(request)
  request.addfinalizer(function() error("finalizer broke") end)
end)
