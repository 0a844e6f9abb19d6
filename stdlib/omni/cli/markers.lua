--- `omnilua markers [PATHS]`: the registered test marks with their
--- descriptions: the defaults plus those that conftest.lua files under the
--- given paths (default: tests/ when it exists, else .) register.
local argparse = require "omni.argparse"
local fs = require "omni.core.fs"
local markers = require "omni.markers"
local collect = require "omni.runner.collect"

local SPEC = { { "--help", short = "-h", kind = "flag" } }

local function conftest_dirs(dir, out)
  local st = fs.stat(dir .. "/conftest.lua")
  if st and st.type == "file" then out[#out + 1] = dir end
  for _, n in ipairs(fs.list(dir) or {}) do
    if n:sub(1, 1) ~= "." and n ~= "build" and not n:match("^build%-") then
      local p = dir .. "/" .. n
      local s = fs.stat(p)
      if s and s.type == "directory" then conftest_dirs(p, out) end
    end
  end
end

return {
  summary = "list the registered test marks and their descriptions",
  main = function(args)
    local o = argparse.parse("omnilua markers", SPEC, args)
    if o.help then
      io.stdout:write("usage: omnilua markers [PATHS...]\n\n", argparse.help(SPEC), "\n")
      return 0
    end
    local paths = o.positional
    if #paths == 0 then
      local st = fs.stat("tests")
      paths = { st and st.type == "directory" and "tests" or "." }
    end
    local c = collect.new(fs.cwd())
    local status = 0
    for _, p in ipairs(paths) do
      local dirs = {}
      conftest_dirs((p:gsub("/+$", "")), dirs)
      for _, d in ipairs(dirs) do
        local _, err = collect.dir_scope(c, d)
        if err then
          io.stderr:write("ERROR: ", err.longrepr or err.message, "\n")
          status = 2
        end
      end
    end
    for _, m in ipairs(markers.list()) do
      io.stdout:write(string.format("@omni.mark.%s: %s\n", m.name, m.description))
    end
    return status
  end,
}
