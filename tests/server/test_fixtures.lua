-- The serving fixtures in a real run (a sample suite in a subprocess):
-- a server that dies is an error with its reason, reported at once for the
-- next test of the same server; a real-engine suite without an engine is
-- skipped saying how to configure one; the dummy's pid is gone after the
-- run; the API key appears in no output, report or log.
local omni = require "omni"
local assert = require "omni.assert"
local proc = require "omni.proc"
local host = require "omni.core.host"
local fs = require "omni.core.fs"

local MARKS = { "core_model", "cpu" }
local SECRET = "sk-omnilua-test-4f1c2d9e8b7a"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/server"
local read = dofile(HERE .. "/../helpers.lua").read

local function run_sample(tmp_path, extra_env)
  local json, junit = tmp_path .. "/r.json", tmp_path .. "/r.xml"
  local env = { SAMPLE_SECRET = SECRET, OPENAI_API_KEY = SECRET, SAMPLE_PID_FILE = tmp_path .. "/pid",
    TMPDIR = tmp_path, OMNILUA_SERVER = "", PATH = "/usr/bin:/bin" }
  for k, v in pairs(extra_env or {}) do env[k] = v end
  local r = assert(proc.run({ host.exe, "test", "tests/server/samples/sample_fixtures.lua", "--json", json,
    "--junitxml", junit, "--run-level", "advanced_model" }, { timeout = 120, env = env }))
  return r, read(json) or "", read(junit) or ""
end

omni.test("fixture_failures_skips_and_secrets", { marks = MARKS, timeout = 180 }, function(tmp_path)
  local r, json, junit = run_sample(tmp_path)
  assert.equal(r.code, 1, r.stdout .. r.stderr)
  local out = r.stdout .. r.stderr
  -- a server that dies: an error naming why, with the log tail
  assert.match(out, "exited with code 7 during startup")
  assert.match(out, "boom")
  assert.match(out, "the same start failed for an earlier test")
  -- no engine: skipped, saying how to point the suite at one
  assert.match(json, "no serving engine for Qwen")
  assert.match(json, "OMNILUA_SERVER")
  -- the key-word failure is reported with its check
  assert.match(out, "check 'key_words' failed")
  assert.match(out, "check 'status' failed %(HTTP_STATUS%)") -- wrong key: 401
  -- the dummy the run started is gone
  local pid = tonumber(read(tmp_path .. "/pid") or "")
  assert.not_nil(pid, out)
  assert.is_nil(fs.stat("/proc/" .. pid), "the dummy server (pid " .. tostring(pid) .. ") outlived the run")
  -- the key is nowhere: console, JSON, JUnit, server logs
  for what, text in pairs({ console = out, json = json, junit = junit }) do
    assert.falsy(text:find(SECRET, 1, true), "the API key appears in the " .. what .. " output")
  end
  local found = proc.run({ "grep", "-rl", SECRET, tmp_path }, { timeout = 10 })
  assert.equal(found.stdout, "", "files holding the key: " .. found.stdout)
end)
