-- Helpers for the runner's behaviour tests: run `omnilua test` on sample
-- suites in a subprocess and read back its exit code, output and JSON report.
local omni = require "omni"
local proc = require "omni.proc"
local host = require "omni.core.host"
local cjson = require "cjson"

-- The runner's tests are L1 unit tests (tests/<component>, on CPU): the
-- spec's `pytestmark = [core_model, cpu]` for the whole folder.
omni.marks{ "core_model", "cpu" }

omni.fixture("omnilua_test", { scope = "function" }, function(tmp_path)
  local n = 0
  coroutine.yield(function(args, opts)
    n = n + 1
    local json_path = tmp_path .. "/report" .. n .. ".json"
    local argv = { host.exe, "test" }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    argv[#argv + 1] = "--json"
    argv[#argv + 1] = json_path
    local r = assert(proc.run(argv, { timeout = (opts and opts.timeout) or 60,
      env = opts and opts.env, cwd = opts and opts.cwd }))
    local f = io.open(json_path)
    if f then
      r.json = cjson.decode(f:read("a"))
      f:close()
      r.by_name = {}
      for _, t in ipairs(r.json.tests or {}) do
        for k, v in pairs(t) do if v == cjson.null then t[k] = nil end end
        r.by_name[t.name] = t
      end
    end
    r.json_path = json_path
    return r
  end)
end)
