--- The `omnilua` command dispatcher. Each command is a module
--- `omni.cli.<name>` (a file in this folder; `serve-dummy` is
--- `serve_dummy.lua`) returning `{ summary = "...", main = function(args) }`,
--- where `main` returns the exit code. Adding a command never edits this file.
local argparse = require "omni.argparse"
local fs = require "omni.core.fs"
local host = require "omni.core.host"

local M = {}

local function module_name(cmd) return "omni.cli." .. cmd:gsub("%-", "_") end

local function commands()
  local list = {}
  local names = fs.list(host.root .. "/stdlib/omni/cli") or {}
  for _, f in ipairs(names) do
    local name = f:match("^(.-)%.lua$")
    if name and name ~= "init" then
      local ok, mod = pcall(require, "omni.cli." .. name)
      if ok and type(mod) == "table" and mod.main then
        list[#list + 1] = { name = name:gsub("_", "-"), summary = mod.summary or "" }
      end
    end
  end
  return list
end

local function usage(out)
  out:write("usage: omnilua <command> [options]\n\ncommands:\n")
  for _, c in ipairs(commands()) do
    out:write(string.format("  %-13s %s\n", c.name, c.summary))
  end
  out:write("\n'omnilua <command> --help' describes a command's options.\n")
end

--- Runs the CLI; returns the process exit code.
---@param argv string[]
---@return integer
function M.main(argv)
  local cmd = argv[1]
  if cmd == nil or cmd == "help" or cmd == "--help" or cmd == "-h" then
    usage(io.stdout)
    return cmd == nil and 4 or 0
  end
  if cmd == "--version" or cmd == "version" then
    io.stdout:write("omnilua ", host.version, " (", _VERSION, ")\n")
    return 0
  end
  local ok, mod = pcall(require, module_name(cmd))
  if not ok then
    if tostring(mod):find("module '" .. module_name(cmd) .. "' not found", 1, true) then
      local names = {}
      for _, c in ipairs(commands()) do names[#names + 1] = c.name end
      local hint = argparse.closest(cmd, names)
      io.stderr:write(string.format("omnilua: unknown command '%s'%s\n", cmd,
        hint and (" (did you mean '" .. hint .. "'?)") or ""))
      usage(io.stderr)
      return 4
    end
    error(mod, 0)
  end
  local args = table.move(argv, 2, #argv, 1, {})
  local okm, code = xpcall(mod.main, function(e)
    if argparse.is_usage_error(e) then return e end
    return debug.traceback(e, 2)
  end, args)
  if not okm then
    if argparse.is_usage_error(code) then
      io.stderr:write("ERROR: ", code.message, "\n")
      return 4
    end
    io.stderr:write("omnilua ", cmd, ": internal error: ", tostring(code), "\n")
    return 3
  end
  return math.tointeger(code) or 0
end

return M
