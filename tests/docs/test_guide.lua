-- The guide's examples are tests: docs/guide/getting-started.md is replayed
-- in a fresh project folder with the real binary. Convention (docs/README.md):
--   <!-- test: file PATH -->   before a ```lua block: write the block to PATH
--   <!-- test: run [exit=N] --> before a ```sh block: run it with `sh` (omnilua on
--                               PATH); exit code N (default 0); a ```text block
--                               right after is the expected output
-- Expected lines must appear in the output in order; whitespace runs, timings
-- ("0.01s"), 4-5 digit ports and the project folder are normalized, and a line
-- "..." stands for lines left out.
local omni = require "omni"
local assert = require "omni.assert"
local proc = require "omni.proc"
local host = require "omni.core.host"
local fs = require "omni.core.fs"

local GUIDE = "docs/guide/getting-started.md"
local SHOWN_ROOT = "/home/you/demo" -- the project folder as the guide shows it

local function read(path)
  local f = assert(io.open(path, "rb"), "cannot read " .. path)
  local s = f:read("a")
  f:close()
  return s
end

-- The guide's tested blocks, in order: { kind = "file"|"run", line, path | cmd, exit, expected }.
local function steps_of(text)
  local lines = {}
  for l in (text .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = l end
  local steps, i = {}, 1
  local function fence_body(from) -- lines of the fenced block opening at `from`
    local body, j = {}, from + 1
    while lines[j] and not lines[j]:match("^```%s*$") do
      body[#body + 1] = lines[j]
      j = j + 1
    end
    assert.not_nil(lines[j], GUIDE .. ":" .. from .. ": unclosed code block")
    return body, j
  end
  local function next_fence(from)
    local j = from
    while lines[j] and lines[j]:match("^%s*$") do j = j + 1 end
    return j, lines[j] and lines[j]:match("^```(%w*)")
  end
  while i <= #lines do
    local marker = lines[i]:match("^<!%-%- test: (.-) %-%->%s*$")
    if marker then
      local at, lang = next_fence(i + 1)
      local body, close = fence_body(at)
      local kind, rest = marker:match("^(%w+)%s*(.*)$")
      if kind == "file" then
        assert.equal(lang, "lua", GUIDE .. ":" .. i .. ": a file block must be ```lua")
        steps[#steps + 1] = { kind = "file", line = at, path = rest, content = table.concat(body, "\n") .. "\n" }
      elseif kind == "run" then
        assert.equal(lang, "sh", GUIDE .. ":" .. i .. ": a run block must be ```sh")
        local step = { kind = "run", line = at, cmd = table.concat(body, "\n"),
          exit = tonumber(rest:match("exit=(%d+)") or "0") }
        local after, after_lang = next_fence(close + 1)
        if after_lang == "text" then step.expected = (fence_body(after)) end
        steps[#steps + 1] = step
      else
        assert.fail(GUIDE .. ":" .. i .. ": unknown test marker '" .. marker .. "'")
      end
      i = close + 1
    else
      i = i + 1
    end
  end
  return steps
end

local function normalize(line, root)
  if root then line = line:gsub(root:gsub("%p", "%%%0"), SHOWN_ROOT) end
  line = line:gsub("%d+%.%d+%s?s", "N.Ns"):gsub("%(%d+:%d%d:%d%d%)", "(H:MM:SS)")
  line = line:gsub("(127%.0%.0%.1:)%d%d%d%d%d?", "%1PORT")
  -- what is left of a level's budget depends on how long the levels before took
  line = line:gsub("%(budget left [%dhms]+%)", "(budget left D)")
  return (line:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

-- nil when every expected line appears in order, else what is missing.
local function missing_line(expected, output, root)
  local got = {}
  for l in (output .. "\n"):gmatch("(.-)\n") do got[#got + 1] = normalize(l, root) end
  local pos = 1
  for _, want in ipairs(expected) do
    local w = normalize(want)
    if w ~= "..." and w ~= "" then
      local found = false
      while pos <= #got do
        pos = pos + 1
        if got[pos - 1] == w then found = true break end
      end
      if not found then return want end
    end
  end
end

local function write(path, content)
  local dir = path:match("^(.*)/[^/]*$")
  if dir then assert(fs.mkdir(dir)) end
  local f = assert(io.open(path, "wb"))
  f:write(content)
  f:close()
end

omni.test("guide_has_tested_examples", { marks = { "core_model", "cpu" } }, function()
  local files, runs, outputs = 0, 0, 0
  for _, s in ipairs(steps_of(read(GUIDE))) do
    if s.kind == "file" then files = files + 1 else runs = runs + 1 end
    if s.expected then outputs = outputs + 1 end
  end
  -- a broken marker convention would silently test nothing
  assert.truthy(files >= 8, "test files in the guide: " .. files)
  assert.truthy(runs >= 12, "tested commands in the guide: " .. runs)
  assert.truthy(outputs >= 10, "checked outputs in the guide: " .. outputs)
end)

omni.test("output_matching_detects_drift", { marks = { "core_model", "cpu" } }, function()
  local out = "collected 2 items\n\ntests/a.lua ..      [100%]\n\n==== 2 passed in 0.03s ====\n"
  assert.is_nil(missing_line({ "collected 2 items", "...", "==== 2 passed in 0.00s ====" }, out))
  assert.is_nil(missing_line({ "tests/a.lua .. [100%]" }, out))
  assert.equal(missing_line({ "==== 2 passed in 0.00s ====", "collected 2 items" }, out), "collected 2 items",
    "order matters")
  assert.equal(missing_line({ "==== 3 passed in 0.00s ====" }, out), "==== 3 passed in 0.00s ====")
  assert.is_nil(missing_line({ "rootdir: /home/you/demo" }, "rootdir: /tmp/x/demo\n", "/tmp/x/demo"))
end)

omni.test("getting_started_runs_as_written", { marks = { "core_model", "cpu" }, timeout = 600 }, function(tmp_path)
  local root = assert(fs.realpath(tmp_path)) .. "/demo"
  local bin = tmp_path .. "/bin"
  assert(fs.mkdir(root))
  assert(fs.mkdir(bin))
  local r = assert(proc.run({ "ln", "-s", host.exe, bin .. "/omnilua" }))
  assert.equal(r.code, 0, r.stderr)
  -- Settings a surrounding CI run may have must not leak into the guide's runs.
  local env = { PATH = bin .. ":" .. (os.getenv("PATH") or "/usr/bin:/bin"), OMNILUA_SERVER = "",
    OMNILUA_STAGE_CONFIG = "", GITHUB_ACTIONS = "", GITHUB_STEP_SUMMARY = "", BUILDKITE = "" }
  for _, s in ipairs(steps_of(read(GUIDE))) do
    local where = GUIDE .. ":" .. s.line
    if s.kind == "file" then
      write(root .. "/" .. s.path, s.content)
    else
      local res = assert(proc.run({ "sh", "-c", "(\n" .. s.cmd .. "\n) 2>&1" }, { cwd = root, env = env, timeout = 300 }))
      local shown = string.format("%s: `%s`\n--- output:\n%s", where, s.cmd, res.stdout)
      assert.falsy(res.timed_out, shown)
      assert.equal(res.code, s.exit, "exit code of " .. shown)
      if s.expected then
        local miss = missing_line(s.expected, res.stdout, root)
        assert.is_nil(miss, "line not in the output: " .. tostring(miss) .. "\n" .. shown)
      end
    end
  end
end)
