-- Runs the examples of a Markdown page and checks their output against what
-- the page says (the doc tests of L4; not a test file itself). The
-- convention (also in docs/examples/README.md):
--
-- * A ```sh block is run; all the sh blocks of a page run in order in one
--   bash script, in one fresh folder, with the omnilua under test first on
--   PATH (variables and background processes carry over, as in a terminal).
-- * A block preceded by `<!-- file: NAME -->` is written to NAME (a Lua
--   script, a prompts file...) instead; a later sh block uses it.
-- * A ```text block right after an sh block is its expected output: each of
--   its non-blank lines must appear in the output, in that order (other
--   lines may come between); `...` in a line matches anything; spaces at
--   the end of lines do not count.
-- * After a block: `<!-- expect: TEXT -->` (TEXT appears in the output),
--   `<!-- expect-match: LUA PATTERN -->`, `<!-- exit: N -->` (the block's
--   exit status; default 0). `<!-- skip -->` before a block: not run.
-- * The pages use port 8000; the test replaces `8000` everywhere (blocks and
--   expectations) by a free port, so that a test never takes a real server's.
local proc = require "omni.proc"
local host = require "omni.core.host"

local M = {}

local function directive(line)
  local k, v = line:match("^%s*<!%-%-%s*([%w%-]+):%s*(.-)%s*%-%->%s*$")
  if k then return k, v end
  k = line:match("^%s*<!%-%-%s*([%w%-]+)%s*%-%->%s*$")
  if k then return k, true end
end

--- Parses a page into steps: {kind = "run"|"file", text, line, name?,
--- expect = {{kind, value}}, output?, exit}.
function M.parse(path)
  local f = assert(io.open(path, "r"))
  local lines = {}
  for l in f:lines() do lines[#lines + 1] = l end
  f:close()
  local steps, pending, last = {}, {}, nil
  local i = 1
  while i <= #lines do
    local l = lines[i]
    local lang = l:match("^```(%S*)")
    if lang then
      local start, body = i, {}
      i = i + 1
      while i <= #lines and not lines[i]:match("^```%s*$") do
        body[#body + 1] = lines[i]
        i = i + 1
      end
      assert(i <= #lines, path .. ":" .. start .. ": a fenced block that never ends")
      local text = table.concat(body, "\n") .. "\n"
      if pending.skip then
        last = nil
      elseif pending.file then
        steps[#steps + 1] = { kind = "file", name = pending.file, text = text, line = start }
        last = nil
      elseif lang == "sh" or lang == "bash" then
        last = { kind = "run", text = text, line = start, expect = {}, exit = 0 }
        steps[#steps + 1] = last
      elseif (lang == "text" or lang == "output") and last and not last.output and last.after_gap == nil then
        last.output = body
      end
      pending = {}
    else
      local k, v = directive(l)
      if k == "file" or k == "skip" then
        pending[k] = v
      elseif (k == "expect" or k == "expect-match") and last then
        last.expect[#last.expect + 1] = { kind = k, value = v, line = i }
      elseif k == "exit" and last then
        last.exit = assert(tonumber(v), path .. ":" .. i .. ": exit needs a number")
      elseif l:match("%S") and not k and last then
        last.after_gap = true -- prose: a later text block is not this block's output
      end
    end
    i = i + 1
  end
  return steps
end

local MARK = "@@omnilua_doctest@@" -- no pattern magic characters: it is matched as is

local function subst(s, port) return (s:gsub("8000", tostring(port))) end

local function pattern_of(line) -- `...` is a wildcard, the rest literal
  local parts, at = {}, 1
  while true do
    local i = line:find("...", at, true)
    parts[#parts + 1] = (line:sub(at, (i or 0) - 1):gsub("%p", "%%%0"))
    if not i then break end
    at = i + 3
  end
  return "^" .. table.concat(parts, ".-") .. "$"
end

local function rtrim(s) return (s:gsub("%s+$", "")) end

local function check_output(step, out)
  local got = {}
  for l in (out .. "\n"):gmatch("(.-)\n") do got[#got + 1] = rtrim(l) end
  local at = 1
  for _, want in ipairs(step.output or {}) do
    want = rtrim(want)
    if want ~= "" and want ~= "..." then
      local pat, found = pattern_of(want), nil
      for j = at, #got do
        if got[j]:match(pat) then found = j break end
      end
      if not found then
        return string.format("expected output line not found (in order): %q", want)
      end
      at = found + 1
    end
  end
  for _, e in ipairs(step.expect) do
    if e.kind == "expect" and not out:find(e.value, 1, true) then
      return string.format("expected %q in the output (line %d)", e.value, e.line)
    elseif e.kind == "expect-match" and not out:match(e.value) then
      return string.format("expected a match of %q in the output (line %d)", e.value, e.line)
    end
  end
end

--- Runs the page's steps in `dir` and checks each block. Returns a list of
--- {line, err, output} for the blocks that failed (empty: all good), and
--- the number of blocks run.
function M.run(path, dir, opts)
  opts = opts or {}
  local steps = M.parse(path)
  local port = opts.port or 8000
  local script = { "cd " .. string.format("%q", dir), "set +e" }
  local runs = {}
  for _, s in ipairs(steps) do
    if s.kind == "file" then
      local f = assert(io.open(dir .. "/" .. s.name, "w"))
      f:write(subst(s.text, port))
      f:close()
    else
      runs[#runs + 1] = s
      local n = #runs
      script[#script + 1] = string.format("echo '%s begin %d'", MARK, n)
      script[#script + 1] = "{\n" .. subst(s.text, port) .. "\n}"
      script[#script + 1] = string.format("echo \"%s end %d $?\"", MARK, n)
    end
  end
  local sh = dir .. "/doctest.sh"
  local f = assert(io.open(sh, "w"))
  f:write(table.concat(script, "\n"), "\n")
  f:close()
  local log = dir .. "/doctest.log"
  local exe_dir = host.exe:match("^(.*)/[^/]*$") or "."
  local p = assert(proc.spawn({ "bash", sh }, {
    stdout = log, stderr = log, cwd = dir, env = { PATH = exe_dir .. ":" .. (os.getenv("PATH") or "/usr/bin:/bin") },
  }))
  local _, sig = p:wait(opts.timeout or 120)
  p:stop(2) -- the page's background processes too (one process group)
  local lf = io.open(log, "r")
  local all = lf and lf:read("a") or ""
  if lf then lf:close() end
  local fails = {}
  if sig == "timeout" then fails[#fails + 1] = { line = 0, err = "the page's script ran past its time", output = all } end
  for n, s in ipairs(runs) do
    local out, status = all:match(MARK .. " begin " .. n .. "\n(.-)" .. MARK .. " end " .. n .. " (%d+)\n")
    if not out then
      fails[#fails + 1] = { line = s.line, err = "the block did not finish", output = all }
    else
      s.output = s.output and (function()
        local t = {}
        for k, l in ipairs(s.output) do t[k] = subst(l, port) end
        return t
      end)()
      for _, e in ipairs(s.expect) do e.value = subst(e.value, port) end
      local err
      if tonumber(status) ~= s.exit then
        err = string.format("exit status %s, the page says %d", status, s.exit)
      else
        err = check_output(s, out)
      end
      if err then fails[#fails + 1] = { line = s.line, err = err, output = out } end
    end
  end
  return fails, #runs
end

--- Fails the test with every failing block (page:line, why, its output).
function M.check(path, dir, opts)
  local fails, n = M.run(path, dir, opts)
  if #fails == 0 then return n end
  local msg = {}
  for _, fl in ipairs(fails) do
    msg[#msg + 1] = string.format("%s:%d: %s\n--- output ---\n%s", path, fl.line, fl.err, fl.output)
  end
  error(table.concat(msg, "\n"), 2)
end

return M
