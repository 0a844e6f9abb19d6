--- `omnilua levels`: each level with its budget, hardware, includes, steps
--- and the duration predicted from recorded durations.
local argparse = require "omni.argparse"
local level = require "omni.level"
local pipeline = require "omni.pipeline"
local durations = require "omni.durations"

local SPEC = {
  { "--durations-file", metavar = "FILE", help = "recorded durations (default .omnilua/durations.json)" },
  { "--help", short = "-h", kind = "flag", help = "show this help" },
}

return {
  summary = "list the level pipelines with budgets, hardware, steps and predicted durations",
  main = function(args)
    local o = argparse.parse("levels", SPEC, args)
    if o.help then
      io.stdout:write("usage: omnilua levels [LEVEL|FILE...]\n\noptions:\n", argparse.help(SPEC), "\n")
      return 0
    end
    local db = durations.load(o.durations_file)
    local names = #o.positional > 0 and o.positional or level.known()
    if #names == 0 then
      io.stderr:write("no level files found in ", table.concat(level.search_dirs(), ", "), "\n")
      return 5
    end
    local code = 0
    for _, name in ipairs(names) do
      local ok, lv = pcall(level.load, name)
      if not ok then
        io.stdout:write(name, ": ERROR ", tostring(lv), "\n\n")
        code = 4
      else
        local pred = pipeline.predict(lv, db)
        local pstr = pred.known > 0 and ("~" .. level.format_duration(pred.seconds) .. " (" .. pred.known .. " recorded tests)")
          or "unknown (no recorded durations)"
        local fits = ""
        if pred.known > 0 and lv.budget and pred.seconds > lv.budget then fits = "  ! over budget" end
        io.stdout:write(string.format("%s  budget %s  hardware %s%s\n", lv.name,
          lv.budget and level.format_duration(lv.budget) or "as configured", lv.hardware,
          #lv.includes > 0 and ("  includes " .. table.concat(lv.includes, ", ")) or ""))
        if lv.description then io.stdout:write("  ", lv.description, "\n") end
        if lv.when then io.stdout:write("  runs: ", lv.when, "\n") end
        for i, st in ipairs(lv.steps) do
          local extra = ""
          for _, p in ipairs(pred.steps) do
            if p.level == lv.name and p.index == i and p.tests > 0 then
              extra = string.format("  [%d tests, ~%s]", p.tests, level.format_duration(p.seconds))
            end
          end
          io.stdout:write(string.format("  %d. %-9s %s%s\n", i, st.kind, level.describe_step(st), extra))
          if st.name then io.stdout:write("               ", level.describe_step(st, true), "\n") end
        end
        io.stdout:write("  predicted: ", pstr, fits, "\n\n")
      end
    end
    return code
  end,
}
