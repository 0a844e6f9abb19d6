--- `omnilua lua SCRIPT [ARGS...]`: runs a Lua script with the stdlib on the
--- path, like the `lua` interpreter (the script sees `arg` and `...`).
return {
  summary = "run a Lua script with omnilua's modules available",
  main = function(args)
    local script = args[1]
    if not script or script == "--help" or script == "-h" then
      io.stdout:write("usage: omnilua lua SCRIPT [ARGS...]\n")
      return script and 0 or 4
    end
    local chunk, err = loadfile(script)
    if not chunk then
      io.stderr:write("omnilua lua: ", err, "\n")
      return 4
    end
    _G.arg = { [0] = script, table.unpack(args, 2) }
    local ok, result = xpcall(chunk, debug.traceback, table.unpack(args, 2))
    if not ok then
      io.stderr:write("omnilua lua: ", tostring(result), "\n")
      return 1
    end
    return math.tointeger(result) or 0
  end,
}
