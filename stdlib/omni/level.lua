--- Level declarations: `scripts/levels/L3.lua` returns `omni.level { ... }`.
--- This module validates a declaration (every mistake is an error naming the
--- level file, the line and the field), parses budget strings, and loads a
--- level by name or path with its includes (self-includes and cycles are
--- errors; an unknown name lists the known ones).
---
--- ```lua
--- return omni.level {
---   name = "L3", includes = { "L1", "L2" }, budget = "30m", hardware = "gpu",
---   steps = {
---     { tests = "tests/e2e/online_serving", files = "test_*_expansion.lua",
---       markers = "advanced_model", run_level = "advanced_model" },
---     { command = { "pytest", "-m", "core_model and cpu", "--junitxml=py.xml" }, junit = "py.xml" },
---   },
--- }
--- ```
local M = {}

-- ---------------------------------------------------------------- budgets

local UNIT = { d = 86400, h = 3600, m = 60, s = 1 }
local ORDER = { d = 1, h = 2, m = 3, s = 4 }

--- Parses a duration such as "15m", "3h", "1h30m", "90s", "1.5h" or a bare
--- number of seconds ("900"). Returns seconds, or nil and why.
---@param s string|number
---@return number? seconds, string? err
function M.parse_budget(s)
  if type(s) == "number" then
    if s > 0 and s == s and s < math.huge then return s end
    return nil, "a budget must be a positive number of seconds"
  end
  if type(s) ~= "string" then return nil, "expected a duration string such as \"30m\", got " .. type(s) end
  local str = s:gsub("^%s+", ""):gsub("%s+$", "")
  if str == "" then return nil, "invalid budget '': empty; expected a duration such as 15m, 3h, 1h30m or 90s" end
  if str:match("^%d+%.?%d*$") then
    local n = tonumber(str)
    if n > 0 then return n end
    return nil, string.format("invalid budget '%s': must be more than zero", s)
  end
  local total, last, pos = 0, 0, 1
  while pos <= #str do
    local num, unit, stop = str:match("^(%d+%.?%d*)([dhms])()", pos)
    if not num then
      return nil, string.format("invalid budget '%s': expected a duration such as 15m, 3h, 1h30m or 90s", s)
    end
    if ORDER[unit] <= last then
      return nil, string.format("invalid budget '%s': units must come in the order d, h, m, s, each once", s)
    end
    last = ORDER[unit]
    total = total + tonumber(num) * UNIT[unit]
    pos = stop
  end
  if total <= 0 then return nil, string.format("invalid budget '%s': must be more than zero", s) end
  return total
end

--- Formats seconds as a short duration: 5400 -> "1h30m", 90 -> "1m30s".
---@param seconds number
---@return string
function M.format_duration(seconds)
  if seconds == nil then return "unlimited" end
  if seconds < 60 then
    local s = string.format("%.1f", seconds):gsub("%.0$", "")
    return s .. "s"
  end
  local n = math.floor(seconds + 0.5)
  local parts = {}
  for _, u in ipairs({ "d", "h", "m", "s" }) do
    local q = n // UNIT[u]
    if q > 0 then parts[#parts + 1] = q .. u end
    n = n - q * UNIT[u]
  end
  return table.concat(parts)
end

-- ------------------------------------------- where each field is in the file

-- A small tokenizer, enough to map "steps.2.files" to the line where that
-- field is written: release engineers need the line, and a table built by a
-- constructor carries none.
local function tokenize(src)
  local toks, i, line, n = {}, 1, 1, #src
  local function push(t, v) toks[#toks + 1] = { t = t, v = v, line = line } end
  while i <= n do
    local c = src:sub(i, i)
    if c == "\n" then
      line = line + 1; i = i + 1
    elseif c:match("%s") then
      i = i + 1
    elseif src:sub(i, i + 1) == "--" then
      local eq = src:match("^%[(=*)%[", i + 2)
      if eq then
        local close = "]" .. eq .. "]"
        local e = src:find(close, i, true) or n
        local body = src:sub(i, e)
        for _ in body:gmatch("\n") do line = line + 1 end
        i = e + #close
      else
        i = (src:find("\n", i, true) or n + 1)
      end
    elseif c == "[" and src:match("^%[=*%[", i) then
      local eq = src:match("^%[(=*)%[", i)
      local close = "]" .. eq .. "]"
      local e = src:find(close, i, true) or n
      local startline = line
      for _ in src:sub(i, e):gmatch("\n") do line = line + 1 end
      toks[#toks + 1] = { t = "str", v = src:sub(i + #eq + 2, e - 1), line = startline }
      i = e + #close
    elseif c == '"' or c == "'" then
      local j = i + 1
      while j <= n and src:sub(j, j) ~= c do
        if src:sub(j, j) == "\\" then j = j + 1 end
        if src:sub(j, j) == "\n" then line = line + 1 end
        j = j + 1
      end
      push("str", src:sub(i + 1, j - 1))
      i = j + 1
    elseif c:match("[%a_]") then
      local w = src:match("^[%w_]+", i)
      push("name", w)
      i = i + #w
    elseif c:match("%d") then
      local w = src:match("^[%w_.]+", i)
      push("num", w)
      i = i + #w
    else
      local two = src:sub(i, i + 1)
      if two == "==" or two == "~=" or two == "<=" or two == ">=" or two == ".." or two == "::" then
        push("op", two); i = i + 2
      else
        push("op", c); i = i + 1
      end
    end
  end
  return toks
end

local OPEN = { ["{"] = "}", ["("] = ")", ["["] = "]" }

--- Maps field paths ("budget", "steps.2.files") of the first `level { ... }`
--- constructor in `src` to their lines.
---@param src string
---@return table<string, integer>
function M.field_lines(src)
  local toks = tokenize(src)
  local lines, p = {}, 1
  -- find `level {` or `level({`
  while p <= #toks do
    local t = toks[p]
    if t.t == "name" and t.v == "level" then
      if toks[p + 1] and toks[p + 1].v == "{" then p = p + 1; break end
      if toks[p + 1] and toks[p + 1].v == "(" and toks[p + 2] and toks[p + 2].v == "{" then p = p + 2; break end
    end
    p = p + 1
  end
  if p > #toks then return lines end
  lines[""] = toks[p].line

  local parse_table
  local function skip_expr()
    local depth = 0
    while p <= #toks do
      local v = toks[p].v
      if toks[p].t == "op" then
        if OPEN[v] then depth = depth + 1
        elseif v == "}" or v == ")" or v == "]" then
          if depth == 0 then return end
          depth = depth - 1
        elseif (v == "," or v == ";") and depth == 0 then return end
      end
      p = p + 1
    end
  end
  local function value(path)
    if toks[p] and toks[p].t == "op" and toks[p].v == "{" then parse_table(path) else skip_expr() end
  end
  function parse_table(prefix)
    p = p + 1 -- past '{'
    local idx = 0
    while p <= #toks do
      local t = toks[p]
      if t.t == "op" and t.v == "}" then p = p + 1; return end
      local key
      if t.t == "name" and toks[p + 1] and toks[p + 1].v == "=" then
        key = t.v; p = p + 2
      elseif t.t == "op" and t.v == "[" and toks[p + 1] and toks[p + 1].t == "str" and toks[p + 2] and toks[p + 2].v == "]" and toks[p + 3] and toks[p + 3].v == "=" then
        key = toks[p + 1].v; p = p + 4
      else
        idx = idx + 1
        key = tostring(idx)
      end
      local path = prefix == "" and key or (prefix .. "." .. key)
      lines[path] = lines[path] or t.line
      value(path)
      if toks[p] and toks[p].t == "op" and (toks[p].v == "," or toks[p].v == ";") then p = p + 1 end
    end
  end
  parse_table("")
  return lines
end

-- ---------------------------------------------------------------- errors

local LevelError = { __name = "omni.LevelError" }
LevelError.__index = LevelError
LevelError.__tostring = function(e) return e.message end
M.LevelError = LevelError

---@return boolean
function M.is_error(e) return getmetatable(e) == LevelError end

local function raise(file, line, field, fmt, ...)
  local msg = string.format(fmt, ...)
  local where = (file or "?") .. ":" .. (line or 1) .. ": "
  local text = where .. (field and field ~= "" and (field .. ": ") or "") .. msg
  error(setmetatable({ message = text, file = file, line = line, field = field }, LevelError), 0)
end

local function pretty(path) -- "steps.2.files" -> "steps[2].files"
  return (path:gsub("%.(%d+)", "[%1]"))
end

local function closest(word, candidates)
  local ok, argparse = pcall(require, "omni.argparse")
  if ok then return argparse.closest(word, candidates) end
end

-- ---------------------------------------------------------------- schema

local LEVEL_FIELDS = { "name", "description", "when", "includes", "budget", "hardware", "steps" }
local STEP_COMMON = { "name", "budget", "hardware", "env", "optional" }
local STEP_KINDS = {
  tests = { "tests", "files", "exclude", "markers", "keywords", "run_level", "timeout",
            "workers", "target", "reruns", "args" },
  command = { "command", "junit", "cwd" },
  perf = { "perf", "args" },
  stability = { "stability", "args" },
}
M.STEP_KINDS = STEP_KINDS
local HARDWARE = { cpu = true, gpu = true }
local RUN_LEVELS = { core_model = true, advanced_model = true }
local TARGETS = { dummy = true, server = true }

local function set_of(list, extra)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  for _, v in ipairs(extra or {}) do s[v] = true end
  return s
end

local function string_list(v)
  if type(v) == "string" then return { v } end
  if type(v) ~= "table" then return nil end
  local out = {}
  for i = 1, #v do
    if type(v[i]) ~= "string" then return nil end
    out[i] = v[i]
  end
  for k in pairs(v) do if math.type(k) ~= "integer" then return nil end end
  return out
end

--- Validates a declaration. `ctx` = { file = path, lines = field_lines(src) }.
---@param spec table
---@param ctx table?
---@return table level
function M.validate(spec, ctx)
  ctx = ctx or {}
  local file, lines = ctx.file or "?", ctx.lines or {}
  local function line_of(path)
    while path and path ~= "" do
      if lines[path] then return lines[path] end
      path = path:match("^(.*)%.[^.]+$")
    end
    return lines[""] or ctx.line or 1
  end
  local function bad(path, fmt, ...) raise(file, line_of(path), pretty(path), fmt, ...) end

  if type(spec) ~= "table" then bad("", "omni.level expects a table, got %s", type(spec)) end
  local allowed = set_of(LEVEL_FIELDS)
  for k in pairs(spec) do
    if type(k) ~= "string" or not allowed[k] then
      local hint = type(k) == "string" and closest(k, LEVEL_FIELDS)
      bad(tostring(k), "unknown field '%s'%s (fields: %s)", tostring(k),
        hint and (" (did you mean '" .. hint .. "'?)") or "", table.concat(LEVEL_FIELDS, ", "))
    end
  end
  local lv = { file = file, line = lines[""] or ctx.line }
  if type(spec.name) ~= "string" or not spec.name:match("^[%w_.+-]+$") then
    bad("name", "expected a level name (letters, digits, _ . + -), got %s",
      type(spec.name) == "string" and ("'" .. spec.name .. "'") or type(spec.name))
  end
  lv.name = spec.name
  if ctx.expect_name and ctx.expect_name ~= spec.name then
    bad("name", "the level is named '%s' but its file is %s.lua; use name = \"%s\"",
      spec.name, ctx.expect_name, ctx.expect_name)
  end
  for _, f in ipairs({ "description", "when" }) do
    if spec[f] ~= nil and type(spec[f]) ~= "string" then bad(f, "expected a string, got %s", type(spec[f])) end
    lv[f] = spec[f]
  end
  if spec.includes ~= nil then
    lv.includes = string_list(spec.includes)
    if not lv.includes then bad("includes", "expected a list of level names such as { \"L1\", \"L2\" }") end
    for i, name in ipairs(lv.includes) do
      if name == spec.name then bad("includes." .. i, "level %s includes itself", name) end
    end
  else
    lv.includes = {}
  end
  if spec.budget ~= nil then
    local secs, err = M.parse_budget(spec.budget)
    if not secs then bad("budget", "%s", err) end
    lv.budget = secs
  end
  lv.hardware = spec.hardware or "cpu"
  if not HARDWARE[lv.hardware] then
    bad("hardware", "expected \"cpu\" or \"gpu\", got %s", tostring(spec.hardware))
  end
  if spec.steps == nil then
    lv.steps = {}
  elseif type(spec.steps) ~= "table" then
    bad("steps", "expected a list of steps, got %s", type(spec.steps))
  else
    lv.steps = {}
    for k in pairs(spec.steps) do
      if math.type(k) ~= "integer" then bad("steps." .. tostring(k), "steps is a list; '%s' is not a step index", tostring(k)) end
    end
    for i, st in ipairs(spec.steps) do lv.steps[i] = M.validate_step(st, "steps." .. i, bad) end
  end
  if #lv.steps == 0 and #lv.includes == 0 then bad("steps", "level %s has no steps and no includes", lv.name) end
  return lv
end

--- Validates one step; `bad(path, fmt, ...)` raises with the file and line.
function M.validate_step(st, path, bad)
  if type(st) ~= "table" then bad(path, "a step is a table, got %s", type(st)) end
  local kind
  for _, k in ipairs({ "tests", "command", "perf", "stability" }) do
    if st[k] ~= nil then
      if kind then bad(path .. "." .. k, "a step has one of tests, command, perf, stability; this one has %s and %s", kind, k) end
      kind = k
    end
  end
  if not kind then bad(path, "a step needs one of the fields tests, command, perf or stability") end
  local fields = {}
  for _, f in ipairs(STEP_KINDS[kind]) do fields[#fields + 1] = f end
  for _, f in ipairs(STEP_COMMON) do fields[#fields + 1] = f end
  local allowed = set_of(fields)
  for k in pairs(st) do
    if type(k) ~= "string" or not allowed[k] then
      local hint = type(k) == "string" and closest(k, fields)
      bad(path .. "." .. tostring(k), "unknown field '%s' in a %s step%s (fields: %s)", tostring(k), kind,
        hint and (" (did you mean '" .. hint .. "'?)") or "", table.concat(fields, ", "))
    end
  end
  local s = { kind = kind }
  local function str(f, required)
    local v = st[f]
    if v == nil then
      if required then bad(path .. "." .. f, "required") end
      return
    end
    if type(v) ~= "string" or v == "" then bad(path .. "." .. f, "expected a non-empty string, got %s", type(v)) end
    s[f] = v
  end
  local function list(f, what)
    if st[f] == nil then return end
    local l = string_list(st[f])
    if not l or #l == 0 then bad(path .. "." .. f, "expected %s (a string or a list of strings)", what) end
    s[f] = l
  end
  str("name")
  if st.budget ~= nil then
    local secs, err = M.parse_budget(st.budget)
    if not secs then bad(path .. ".budget", "%s", err) end
    s.budget = secs
  end
  if st.hardware ~= nil then
    if not HARDWARE[st.hardware] then bad(path .. ".hardware", "expected \"cpu\" or \"gpu\", got %s", tostring(st.hardware)) end
    s.hardware = st.hardware
  end
  if st.env ~= nil then
    if type(st.env) ~= "table" then bad(path .. ".env", "expected a table of NAME = \"value\"") end
    for k, v in pairs(st.env) do
      if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number") then
        bad(path .. ".env", "expected a table of NAME = \"value\"; bad entry %s", tostring(k))
      end
    end
    s.env = st.env
  end
  if st.optional ~= nil then
    if type(st.optional) ~= "boolean" then bad(path .. ".optional", "expected true or false") end
    s.optional = st.optional
  end
  if kind == "tests" then
    list("tests", "test folders or files")
    list("files", "file patterns such as \"test_*_expansion.lua\"")
    list("exclude", "folders or files to leave out")
    list("args", "extra arguments for omnilua test")
    str("markers"); str("keywords")
    if s.markers then
      local ok, expr = pcall(require, "omni.core.expr")
      if ok and expr.compile then
        local c, err = expr.compile(s.markers, "m")
        if not c then bad(path .. ".markers", "bad marker expression '%s': %s", s.markers, err) end
      end
    end
    if st.run_level ~= nil then
      if not RUN_LEVELS[st.run_level] then
        bad(path .. ".run_level", "expected \"core_model\" or \"advanced_model\", got %s", tostring(st.run_level))
      end
      s.run_level = st.run_level
    end
    if st.target ~= nil then
      if not TARGETS[st.target] then bad(path .. ".target", "expected \"dummy\" or \"server\", got %s", tostring(st.target)) end
      s.target = st.target
    end
    if st.timeout ~= nil then
      local secs, err = M.parse_budget(st.timeout)
      if not secs then bad(path .. ".timeout", "%s", err) end
      s.timeout = secs
    end
    if st.workers ~= nil then
      if not (st.workers == "auto" or (math.type(st.workers) == "integer" and st.workers > 0)) then
        bad(path .. ".workers", "expected a positive integer or \"auto\"")
      end
      s.workers = st.workers
    end
    if st.reruns ~= nil then
      if math.type(st.reruns) ~= "integer" or st.reruns < 0 then bad(path .. ".reruns", "expected a non-negative integer") end
      s.reruns = st.reruns
    end
  elseif kind == "command" then
    if type(st.command) == "string" then
      s.command = st.command
    else
      local l = string_list(st.command)
      if not l or #l == 0 then bad(path .. ".command", "expected a command: a list of strings (argv) or a shell string") end
      s.command = l
    end
    str("junit"); str("cwd")
  else
    str(kind, true)
    list("args", "extra arguments")
  end
  return s
end

--- A short description of a step, for listings and node ids.
---@param step table
---@param detail boolean? ignore the step's name, describe what it runs
---@return string
function M.describe_step(step, detail)
  if step.name and not detail then return step.name end
  if step.kind == "tests" then
    local d = table.concat(step.tests, " ")
    if step.files then d = d .. " (" .. table.concat(step.files, ", ") .. ")" end
    if step.markers then d = d .. " -m '" .. step.markers .. "'" end
    return d
  elseif step.kind == "command" then
    return type(step.command) == "string" and step.command or table.concat(step.command, " ")
  end
  return step.kind .. " " .. step[step.kind]
end

-- ---------------------------------------------------------------- loading

--- `omni.level { ... }` inside a level file: marks the table as a level
--- declaration. Validation happens in `load`, which knows the file.
---@param spec table
---@return table
function M.declare(spec)
  local info = debug.getinfo(2, "l")
  return { __omni_level = spec, line = info and info.currentline }
end

setmetatable(M, { __call = function(_, spec) return M.declare(spec) end })

local read_file = require("omni.files").read

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
end

local function dirname(path) return path:match("^(.*)/[^/]*$") or "." end

--- Folders where level names are looked up, in order.
---@return string[]
function M.search_dirs()
  local dirs = { "scripts/levels" }
  local ok, host = pcall(require, "omni.core.host")
  if ok and host.root then dirs[#dirs + 1] = host.root .. "/scripts/levels" end
  return dirs
end

--- Names of the levels found in `dirs`, sorted.
---@param dirs string[]?
---@return string[]
function M.known(dirs)
  local seen, names = {}, {}
  local ok, fs = pcall(require, "omni.core.fs")
  for _, d in ipairs(dirs or M.search_dirs()) do
    local list = ok and fs.list(d) or {}
    for _, f in ipairs(list or {}) do
      local n = f:match("^(.+)%.lua$")
      if n and not seen[n] then seen[n] = true; names[#names + 1] = n end
    end
  end
  table.sort(names)
  return names
end

local function is_path(ref) return ref:find("/", 1, true) or ref:match("%.lua$") end

--- Finds a level file for `ref` (a name or a path). `near` is the folder of
--- the including level, searched first.
local function find(ref, dirs, near, from)
  if is_path(ref) then
    if file_exists(ref) then return ref end
    raise(from and from.file, from and from.line, from and from.field, "level file %s not found", ref)
  end
  local tried = {}
  if near then tried[#tried + 1] = near end
  for _, d in ipairs(dirs) do tried[#tried + 1] = d end
  for _, d in ipairs(tried) do
    local p = d .. "/" .. ref .. ".lua"
    if file_exists(p) then return p end
  end
  local known = M.known(tried)
  local hint = closest(ref, known)
  local msg = string.format("unknown level '%s'%s; known levels: %s", ref,
    hint and (" (did you mean '" .. hint .. "'?)") or "", #known > 0 and table.concat(known, ", ") or "(none)")
  if from then raise(from.file, from.line, from.field, "%s", msg) end
  error(setmetatable({ message = msg }, LevelError), 0)
end

--- Loads one level file (no includes) and validates it.
---@param path string
---@return table level
function M.load_file(path)
  local src, err = read_file(path)
  if not src then raise(path, 1, nil, "cannot read level file: %s", err) end
  local env = setmetatable({}, { __index = _G })
  local ok_omni, omni = pcall(require, "omni")
  local omni_proxy = setmetatable({ level = M.declare },
    { __index = ok_omni and type(omni) == "table" and omni or nil })
  env.omni = omni_proxy
  local chunk, lerr = load(src, "@" .. path, "t", env)
  if not chunk then
    local line, msg = tostring(lerr):match(":(%d+): (.*)$")
    raise(path, tonumber(line) or 1, nil, "syntax error: %s", msg or lerr)
  end
  local ok, result = pcall(chunk)
  if not ok then
    if M.is_error(result) then error(result, 0) end
    local line, msg = tostring(result):match("^[^:]*:(%d+): (.*)$")
    raise(path, tonumber(line) or 1, nil, "error while loading: %s", msg or tostring(result))
  end
  if type(result) ~= "table" or result.__omni_level == nil then
    raise(path, 1, nil, "a level file must `return omni.level { ... }`")
  end
  local base = path:match("([^/]+)%.lua$")
  local lv = M.validate(result.__omni_level, {
    file = path, lines = M.field_lines(src), line = result.line,
    expect_name = base and base:match("^[%w_.+-]+$") and base or nil,
  })
  lv.path = path
  lv.field_lines = M.field_lines(src)
  return lv
end

--- Loads a level by name or path with all its includes. Returns the root
--- level; each level's `included` is the list of loaded included levels.
---@param ref string level name ("L3") or path ("path/to/L9.lua")
---@param opts? { dirs: string[] }
---@return table level
function M.load(ref, opts)
  opts = opts or {}
  local dirs = opts.dirs or M.search_dirs()
  local cache = {}
  local function visit(r, near, stack, from)
    local path = find(r, dirs, near, from)
    for i, entry in ipairs(stack) do
      if entry.path == path then
        local names = {}
        for j = i, #stack do names[#names + 1] = stack[j].name end
        names[#names + 1] = stack[i].name
        raise(from.file, from.line, from.field, "include cycle: %s", table.concat(names, " -> "))
      end
    end
    if cache[path] then return cache[path] end
    local lv = M.load_file(path)
    stack[#stack + 1] = { path = path, name = lv.name }
    lv.included = {}
    for i, name in ipairs(lv.includes) do
      local field = "includes." .. i
      lv.included[i] = visit(name, dirname(path), stack, {
        file = path, line = lv.field_lines[field] or lv.field_lines["includes"] or lv.line, field = pretty(field),
      })
    end
    stack[#stack] = nil
    cache[path] = lv
    return lv
  end
  return visit(ref, nil, {}, nil)
end

--- The levels in run order: includes first (each once), then the level.
---@param root table
---@return table[]
function M.order(root)
  local out, seen = {}, {}
  local function walk(lv)
    if seen[lv.path or lv.name] then return end
    seen[lv.path or lv.name] = true
    for _, inc in ipairs(lv.included or {}) do walk(inc) end
    out[#out + 1] = lv
  end
  walk(root)
  return out
end

return M
