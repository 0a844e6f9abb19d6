-- Runs a command for the media tests (test_cli.lua, test_interop.lua); not a
-- test file: they load it with dofile. Uses omni.proc when it is there (the
-- runner tracks and kills its processes), else the shell.
---@param argv string[]
---@param timeout number seconds (omni.proc only)
---@return integer? code
---@return string stdout
---@return string stderr
return function(argv, timeout)
  local ok, proc = pcall(require, "omni.proc")
  if ok then
    local r = proc.run(argv, { timeout = timeout })
    return r.code, r.stdout, r.stderr
  end
  local quoted = {}
  for i, a in ipairs(argv) do quoted[i] = "'" .. a:gsub("'", "'\\''") .. "'" end
  local err = os.tmpname()
  local p = io.popen(table.concat(quoted, " ") .. " 2>" .. err)
  local out = p:read("a")
  local _, _, code = p:close()
  local f = io.open(err, "rb")
  local stderr = f:read("a")
  f:close()
  os.remove(err)
  return code, out, stderr
end
