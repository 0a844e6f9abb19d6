--- `omnilua explain RESULTS.json...`: the failures of a run grouped by the
--- CI failure catalog's categories, with likely causes and first steps.
local argparse = require "omni.argparse"
local results_read = require "omni.results_read"
local junit_read = require "omni.junit_read"
local failures = require "omni.failures"

local SPEC = {
  { "--help", short = "-h", kind = "flag", help = "show this help" },
}

return {
  summary = "group the failures of a run by CI failure category, with first steps",
  main = function(args)
    local o = argparse.parse("explain", SPEC, args)
    if o.help or #o.positional == 0 then
      io.stdout:write("usage: omnilua explain RESULTS.json [MORE.json|.xml ...]\n")
      if not o.help then return 4 end
      return 0
    end
    local records = {}
    for _, p in ipairs(o.positional) do
      local recs, err
      if p:match("%.xml$") then recs, err = junit_read.read(p) else
        local r; r, err = results_read.read(p); recs = r and r.records
      end
      if not recs then io.stderr:write("ERROR: explain: ", err, "\n") return 4 end
      for _, r in ipairs(recs) do records[#records + 1] = r end
    end
    local groups = failures.group(records)
    if #groups == 0 then
      io.stdout:write(string.format("nothing to explain: %d results, no failures, errors or flaky tests\n", #records))
      return 0
    end
    for _, g in ipairs(groups) do
      local e = g.entry
      io.stdout:write(string.format("== %s: %d test%s (%s)\n", e.title, #g.records, #g.records == 1 and "" or "s", failures.link(e)))
      for i, r in ipairs(g.records) do
        if i > 20 then io.stdout:write("   ... ", #g.records - 20, " more\n") break end
        io.stdout:write("   ", r.nodeid, r.file and r.line and ("  (" .. r.file .. ":" .. results_read.num(r.line) .. ")") or "", "\n")
        if r.message then io.stdout:write("      ", (r.message:gsub("\n.*", "")), "\n") end
      end
      io.stdout:write("   likely causes:\n")
      for _, c in ipairs(e.likely_causes) do io.stdout:write("     - ", c, "\n") end
      io.stdout:write("   first steps:\n")
      for _, s in ipairs(e.first_steps) do io.stdout:write("     - ", s, "\n") end
      io.stdout:write("\n")
    end
    return 0
  end,
}
