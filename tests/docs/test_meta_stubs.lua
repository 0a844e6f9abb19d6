-- The ---@meta stubs in stdlib/omni/meta/ describe the C modules for editors
-- and for docs/reference/api.md; they must name what the bindings really
-- register: the same module-level functions and values, no more, no fewer.
local omni = require "omni"
local assert = require "omni.assert"
local fs = require "omni.core.fs"
local cjson = require "cjson"

local DIR = "stdlib/omni/meta"
-- the C modules a test may touch (issue 5): each needs a stub
local REQUIRED = { "http", "media", "expr", "gpu", "faults", "metrics", "yaml", "proc", "clock", "fs",
  "host", "load", "procstat", "dummy" }

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function keys(t)
  local out = {}
  for k in pairs(t) do
    if k ~= "_NAME" and k ~= "_VERSION" then out[#out + 1] = k end
  end
  table.sort(out)
  return out
end

-- name -> { path, text, names = sorted keys the stub declares }
local function stubs()
  local out = {}
  for _, file in ipairs(assert(fs.list(DIR))) do
    local path = DIR .. "/" .. file
    local text = read(path)
    local name = text:match("^%-%-%-@meta ([%w_%.]+)\n")
    assert.not_nil(name, path .. ": the first line must be ---@meta <module name>")
    local chunk = assert(load(text, "@" .. path))
    local declared = keys(chunk())
    if #declared == 0 then -- a module of plain values, described by ---@field (omni.core.host)
      for f in text:gmatch("\n%-%-%-@field ([%w_]+)") do declared[#declared + 1] = f end
      table.sort(declared)
    end
    out[name] = { path = path, names = declared }
  end
  return out
end

omni.test("every_c_module_has_a_stub", { marks = { "core_model", "cpu" } }, function()
  local s = stubs()
  for _, m in ipairs(REQUIRED) do
    assert.not_nil(s["omni.core." .. m], "no ---@meta stub for omni.core." .. m .. " in " .. DIR)
  end
end)

omni.test("stubs_match_the_bindings", { marks = { "core_model", "cpu" } }, function()
  for name, stub in pairs(stubs()) do
    local real = keys(require(name))
    assert.same(stub.names, real, stub.path .. " declares other names than " .. name .. " registers")
  end
end)

omni.test("luarc_points_lua_language_server_at_the_stdlib", { marks = { "core_model", "cpu" } }, function()
  local rc = cjson.decode(read(".luarc.json"))
  assert.equal(rc["runtime.version"], "Lua 5.4")
  assert.contains(rc["runtime.path"], "stdlib/?.lua")
  assert.contains(rc["runtime.path"], "stdlib/?/init.lua")
  assert.contains(rc["workspace.library"], "stdlib")
  -- level files use the global `omni` that the level loader provides
  assert.contains(rc["diagnostics.globals"], "omni")
end)

-- Methods of the userdata types: the stub's `function Local:name` against the
-- methods table of the metatable the binding registers.
local METHOD_TABLES = {
  ["omni.core.expr"] = { Expr = "omni.core.expr" },
  ["omni.core.gpu"] = { Sampler = "omni.gpu.sampler" },
  ["omni.core.metrics"] = { Histogram = "omni.metrics.histogram" },
  ["omni.core.yaml"] = { Writer = "omni.yaml.writer" },
  ["omni.core.procstat"] = { Sampler = "omni.procstat.sampler" },
  ["omni.core.dummy"] = { Server = "omni.dummy.server" },
  ["omni.core.load"] = { Run = "omni.load.run" },
}

omni.test("stub_methods_match_the_bindings", { marks = { "core_model", "cpu" } }, function()
  local registry = debug.getregistry()
  for name, stub in pairs(stubs()) do
    local text = read(stub.path)
    for localname, mt_name in pairs(METHOD_TABLES[name] or {}) do
      require(name)
      local mt = registry[mt_name]
      assert.type(mt, "table", "metatable " .. mt_name .. " of " .. name)
      local methods = type(mt.__index) == "table" and mt.__index or mt.methods
      local declared = {}
      for m in text:gmatch("\nfunction " .. localname .. ":([%w_]+)%(") do declared[#declared + 1] = m end
      table.sort(declared)
      assert.same(declared, keys(methods), stub.path .. ": methods of " .. localname .. " vs " .. mt_name)
    end
  end
end)
