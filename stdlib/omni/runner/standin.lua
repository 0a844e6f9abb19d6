--- Temporary stand-ins used only while the real modules are not in the
--- tree: a marker/keyword expression evaluator (the real one is the C
--- module omni.core.expr) and a plain console reporter (the real one is
--- omni.report.console). The runner prefers the real modules.
local M = {}

-- ---------------------------------------------------------------- expressions
local function tokenize(src)
  local toks, i, n = {}, 1, #src
  while i <= n do
    local c = src:sub(i, i)
    if c == " " or c == "\t" then
      i = i + 1
    elseif c == "(" or c == ")" then
      toks[#toks + 1] = { c == "(" and "lparen" or "rparen", c, i }
      i = i + 1
    else
      local s, e = src:find("^[%w_:%+%-%.%[%]\\/\128-\255]+", i)
      if not s then return nil, string.format('at column %d: unexpected character "%s"', i, c) end
      local word = src:sub(s, e)
      local kind = (word == "or" or word == "and" or word == "not") and word or "ident"
      toks[#toks + 1] = { kind, word, i }
      i = e + 1
    end
  end
  toks[#toks + 1] = { "eof", "", n + 1 }
  return toks
end

local NAMES = { lparen = "left parenthesis", rparen = "right parenthesis", ["or"] = "or",
  ["and"] = "and", ["not"] = "not", ident = "identifier", eof = "end of input" }

function M.compile(src, kind)
  local toks, err = tokenize(src)
  if not toks then return nil, err end
  local pos = 1
  local function peek() return toks[pos] end
  local function fail(expected)
    local t = peek()
    error({ msg = string.format("at column %d: expected %s; got %s", t[3], expected, NAMES[t[1]]) })
  end
  local expr
  local function not_expr()
    local t = peek()
    if t[1] == "not" then
      pos = pos + 1
      local inner = not_expr()
      return function(m) return not inner(m) end
    elseif t[1] == "lparen" then
      pos = pos + 1
      local inner = expr()
      if peek()[1] ~= "rparen" then fail("right parenthesis") end
      pos = pos + 1
      return inner
    elseif t[1] == "ident" then
      pos = pos + 1
      local word = t[2]
      return function(m) return m(word) end
    end
    fail("not OR left parenthesis OR identifier")
  end
  local function and_expr()
    local left = not_expr()
    while peek()[1] == "and" do
      pos = pos + 1
      local l, r = left, not_expr()
      left = function(m) return l(m) and r(m) end
    end
    return left
  end
  expr = function()
    local left = and_expr()
    while peek()[1] == "or" do
      pos = pos + 1
      local l, r = left, and_expr()
      left = function(m) return l(m) or r(m) end
    end
    return left
  end
  local ok, fn = pcall(function()
    if peek()[1] == "eof" then return function() return false end end
    local f = expr()
    if peek()[1] ~= "eof" then fail("end of input") end
    return f
  end)
  if not ok then
    if type(fn) == "table" then return nil, fn.msg end
    error(fn, 0)
  end
  local compiled = {}
  function compiled:match_marks(marks)
    return fn(function(word)
      for _, m in ipairs(marks) do
        if (type(m) == "table" and m.name or m) == word then return true end
      end
      return false
    end) and true or false
  end
  function compiled:match_keywords(words)
    return fn(function(word)
      local w = word:lower()
      for _, k in ipairs(words) do
        if k:lower():find(w, 1, true) then return true end
      end
      return false
    end) and true or false
  end
  return compiled
end

-- ---------------------------------------------------------------- console
local Console = {}
Console.__index = Console

function M.console(opts)
  return setmetatable({ out = opts.out or io.stdout, v = opts.verbosity or 0, failures = {},
    column = 0 }, Console)
end

function Console:start(meta)
  if self.v >= 0 then
    self.out:write(string.format("collected %d items%s\n", meta.collected,
      meta.deselected > 0 and (" / " .. meta.deselected .. " deselected") or ""))
  end
end

local LETTER = { passed = ".", failed = "F", error = "E", skipped = "s", xfailed = "x",
  xpassed = "X", notrun = "n" }

function Console:collect_error(rec)
  self.failures[#self.failures + 1] = rec
end

function Console:result(rec)
  if rec.outcome == "failed" or rec.outcome == "error" then self.failures[#self.failures + 1] = rec end
  if self.v > 0 then
    self.out:write(rec.nodeid, " ", rec.outcome:upper(), "\n")
  elseif self.v == 0 then
    self.out:write(LETTER[rec.outcome] or "?")
    self.column = self.column + 1
    if self.column >= 80 then self.out:write("\n"); self.column = 0 end
  end
end

function Console:finish(s)
  local out = self.out
  if self.column > 0 then out:write("\n") end
  if s.collect_only then
    for _, id in ipairs(s.items or {}) do out:write(id, "\n") end
  end
  for _, rec in ipairs(self.failures) do
    out:write("____ ", rec.nodeid, " ____\n", rec.longrepr or rec.message or "", "\n")
    if rec.stdout then out:write("---- captured stdout ----\n", rec.stdout, "\n") end
    if rec.stderr then out:write("---- captured stderr ----\n", rec.stderr, "\n") end
  end
  for _, rec in ipairs(self.failures) do
    out:write(rec.outcome == "error" and "ERROR " or "FAILED ", rec.nodeid, " - ", rec.message or "", "\n")
  end
  if s.interrupted then out:write("!!! Interrupted: ", s.interrupted, " !!!\n") end
  local c = s.counts
  local parts = {}
  for _, k in ipairs({ "failed", "passed", "skipped", "deselected", "xfailed", "xpassed", "error", "notrun" }) do
    local n = c[k] or 0
    if n > 0 then
      local word = k
      if k == "error" and n ~= 1 then word = "errors" end
      parts[#parts + 1] = n .. " " .. word
    end
  end
  local text = #parts > 0 and table.concat(parts, ", ") or "no tests ran"
  if s.collect_only then text = (s.items and #s.items or 0) .. " tests collected" end
  out:write(string.format("%s in %.2fs\n", text, s.duration))
  out:flush()
end

return M
