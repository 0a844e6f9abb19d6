--- `omnilua test [PATHS] [options]`: collect, select, run (in worker
--- processes) and report test cases, with pytest's flags and exit codes.
local argparse = require "omni.argparse"

local SPEC = {
  { "--markexpr", short = "-m", metavar = "EXPR", help = "run tests whose marks match EXPR ('gpu and not slow')" },
  { "--keyword", short = "-k", metavar = "EXPR", help = "run tests whose names/keywords match EXPR" },
  { "--run-level", choices = { "core_model", "advanced_model" }, default = "core_model",
    help = "validation depth seen by tests (request.run_level)" },
  { "--numprocesses", short = "-n", metavar = "N|auto", default = "1", help = "worker processes" },
  { "--exitfirst", short = "-x", kind = "flag", help = "stop after the first failure or error" },
  { "--maxfail", kind = "integer", metavar = "N", help = "stop after N failures or errors" },
  { "--timeout", kind = "number", default = 300, metavar = "S", help = "per-test time limit in seconds (0: none)" },
  { "--timeout-grace", kind = "number", default = 5, metavar = "S",
    help = "after the Lua-level stop, kill the worker after S seconds" },
  { "--budget", metavar = "TIME", help = "run budget: 90s, 15m, 1h30m; what has not run then is 'notrun'" },
  { "--strict-budget", kind = "flag",
    help = "refuse to start (exit 4) when recorded durations predict the selection exceeds --budget" },
  { "--no-durations", kind = "flag", help = "do not record test durations in .omnilua/durations.json" },
  { "--shard", metavar = "K/N", help = "run only shard K of N (split balanced by recorded durations)" },
  { "--reruns", kind = "integer", default = 0, metavar = "N",
    help = "rerun a failed test up to N times; one that then passes is reported flaky" },
  { "--memory-limit", metavar = "SIZE", help = "memory limit per worker (RLIMIT_DATA): 512M, 2G, none (default: RAM size)" },
  { "--junitxml", metavar = "FILE", help = "write JUnit XML as results arrive" },
  { "--json", metavar = "FILE", help = "write a JSON report as results arrive" },
  { "--lf", kind = "flag", dest = "last_failed", help = "run only the tests that failed last time" },
  { "--durations", kind = "integer", metavar = "N", help = "show the N slowest tests" },
  { "--verbose", short = "-v", kind = "count", help = "more output (-vv: more)" },
  { "--quiet", short = "-q", kind = "count", help = "less output" },
  { "--collect-only", kind = "flag", help = "only list the node ids that would run" },
  { "--co", kind = "flag", dest = "collect_only", help = "same as --collect-only" },
  { "--capture-no", short = "-s", kind = "flag", dest = "no_capture", help = "do not capture stdout/stderr" },
  { "--continue-on-collection-errors", kind = "flag", help = "run the files that loaded even when others did not" },
  { "--override-ini", short = "-o", kind = "list", metavar = "KEY=VALUE", help = "free configuration (request.config)" },
  { "--help", short = "-h", kind = "flag" },
}

local M = { summary = "run test cases (pytest-style flags: -m, -k, -n, -x, --junitxml, ...)" }

--- "15m" / "90s" / "1h30m" / "2.5" -> seconds, or nil.
---@param s string
---@return number?
function M.parse_duration(s)
  if s:match("^%d+%.?%d*$") then return tonumber(s) end
  local total, rest = 0, s
  while rest ~= "" do
    local n, unit, tail = rest:match("^(%d+%.?%d*)([hms])(.*)$")
    if not n then return nil end
    total = total + tonumber(n) * ({ h = 3600, m = 60, s = 1 })[unit]
    rest = tail
  end
  return total > 0 and total or nil
end

--- "512M" / "2G" / "1024" -> bytes; "none"/"0" -> 0; nil when malformed.
---@param s string
---@return integer?
function M.parse_size(s)
  if s == "none" or s == "0" then return 0 end
  local n, unit = s:match("^(%d+%.?%d*)([KkMmGgTt]?)[iI]?[bB]?$")
  if not n then return nil end
  local mult = ({ k = 2 ^ 10, m = 2 ^ 20, g = 2 ^ 30, t = 2 ^ 40 })[unit:lower()] or 1
  return math.floor(tonumber(n) * mult)
end

local function size_text(bytes)
  if bytes >= 2 ^ 30 and bytes % 2 ^ 30 == 0 then return string.format("%d GiB", bytes // 2 ^ 30) end
  return string.format("%d MiB", bytes // 2 ^ 20)
end

local function usage_help()
  io.stdout:write("usage: omnilua test [PATHS...] [options]\n\n", argparse.help(SPEC), "\n\n",
    "exit codes: 0 all passed, 1 tests failed, 2 interrupted or collection errors,\n",
    "            3 internal error, 4 usage error, 5 no tests collected/selected\n")
end

function M.main(args)
  local o = argparse.parse("omnilua test", SPEC, args)
  if o.help then usage_help(); return 0 end
  local session = require "omni.runner.session"
  return session.run(o, args, { parse_duration = M.parse_duration, parse_size = M.parse_size,
    size_text = size_text })
end

return M
