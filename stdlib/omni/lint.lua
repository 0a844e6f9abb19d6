--- The test-style rules of docs/contributing/tests_style.md, checked on
--- test files without running them: a file is loaded with a stub `omni`
--- module that records every omni.test call (name, options, line) and a
--- stub `require` whose modules absorb any use; test bodies never run.
--- The conftest.lua files from the root down to each file are loaded the
--- same way, so marks they register (omni.register_mark) count, and marks
--- given for a whole folder, file or group with omni.marks{...} (pytest's
--- pytestmark) are added to each test's own, as the runner does.
---
--- Rules (each message is "file:line: CODE text"):
---   OL001 e2e/example test name is not <scenario>_<NNN>
---   OL002 e2e/example test's `doc` misses a field (Deploy Setting, Input Modal, ...)
---   OL003 unregistered mark
---   OL004 marks not right for the file's level (L1 core_model+cpu, no gpu; L2 core_model)
---   OL005 an _expansion file test without advanced_model
---   OL006 a file outside its level's folder
---   OL007 the file cannot be loaded (syntax error, error at load time)
local M = {}

M.DOC_FIELDS = { "Deploy Setting", "Input Modal", "Output Modal", "Input Setting", "Datasets" }
M.E2E_FOLDERS = { online_serving = true, offline_inference = true, accuracy = true, reliability = true, perf = true,
  stability = true }
-- the folders whose test_*_expansion.lua files are L3 steps (scripts/levels/L3.lua)
M.EXPANSION_FOLDERS = { online_serving = true, offline_inference = true, accuracy = true }

-- A value that absorbs any use: index, call, arithmetic, concatenation.
local absorb_mt = {}
local function absorb() return setmetatable({}, absorb_mt) end
absorb_mt.__index = function() return absorb() end
absorb_mt.__call = function() return absorb() end
absorb_mt.__tostring = function() return "<stub>" end
for _, mm in ipairs({ "__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm", "__idiv",
  "__band", "__bor", "__bxor", "__shl", "__shr", "__bnot", "__len" }) do
  absorb_mt[mm] = function() return absorb() end
end
absorb_mt.__concat = function() return "<stub>" end
absorb_mt.__lt = function() return false end
absorb_mt.__le = function() return false end
M.absorb = absorb

local function mark_names(marks)
  local out = {}
  for _, m in ipairs(type(marks) == "table" and marks or {}) do
    if type(m) == "string" then out[#out + 1] = m
    elseif type(m) == "table" and type(m.name) == "string" then out[#out + 1] = m.name end
  end
  return out
end

-- Runs one file with the stub `omni`: test/group calls are recorded into
-- `info.tests`, register_mark calls into `info.registered`, top-level
-- omni.marks calls into `info.marks` ({ name, line }); nothing runs. A
-- test's `marks` are the file's omni.marks, its groups' (outer first) and
-- its own, filled in once the whole file has run (omni.marks may come
-- after the tests it marks); `own` holds the marks written at the test.
local function run_stubbed(path, info)
  local f, ferr = io.open(path, "rb")
  if not f then return nil, ferr, 1 end
  local src = f:read("a")
  f:close()
  local groups = {}
  info.marks = {}
  local stub = setmetatable({}, { __index = function() return absorb() end })
  function stub.test(name, opts, fn)
    if fn == nil and type(opts) == "function" then opts = {} end
    opts = type(opts) == "table" and opts or {}
    local line = debug.getinfo(2, "l").currentline
    info.tests[#info.tests + 1] = { name = tostring(name), own = mark_names(opts.marks), doc = opts.doc,
      line = line, groups = { table.unpack(groups) }, group = #groups > 0 and groups[#groups].name or nil }
  end
  function stub.group(name, opts, fn)
    if fn == nil and type(opts) == "function" then opts, fn = {}, opts end
    groups[#groups + 1] = { name = name, marks = mark_names(type(opts) == "table" and opts.marks), scoped = {} }
    if type(fn) == "function" then pcall(fn) end
    groups[#groups] = nil
  end
  function stub.marks(list)
    local line = debug.getinfo(2, "l").currentline
    local into = #groups > 0 and groups[#groups].scoped or info.marks
    for _, m in ipairs(mark_names(list)) do into[#into + 1] = { name = m, line = line } end
  end
  local function register(name)
    if type(name) == "string" then info.registered[#info.registered + 1] = name end
  end
  function stub.register_mark(name) register(name) end
  function stub.fixture() end
  function stub.indirect(v) return { indirect = v } end
  function stub.param(v) return v end
  local markers_stub = setmetatable({ register = register }, { __index = function() return absorb() end })
  local env = setmetatable({}, { __index = _G })
  env.require = function(name)
    if name == "omni" then return stub end
    if name == "omni.markers" then return markers_stub end
    if name == "cjson" or name == "omni.format" then return require(name) end
    return absorb()
  end
  env.omni = stub
  local chunk, err = load(src, "@" .. path, "t", env)
  if not chunk then
    return nil, "cannot load: " .. tostring(err):gsub("^[^:]*:%d+: ", ""), tonumber(tostring(err):match(":(%d+):")) or 1
  end
  local ok, rerr = pcall(chunk)
  if not ok then
    return nil, "error while loading: " .. tostring(rerr):gsub("^[^:]*:%d+: ", ""),
      tonumber(tostring(rerr):match("^[^:]*:(%d+):")) or 1
  end
  for _, t in ipairs(info.tests) do
    local marks = {}
    for _, m in ipairs(info.marks) do marks[#marks + 1] = m.name end
    for _, g in ipairs(t.groups) do
      for _, m in ipairs(g.marks) do marks[#marks + 1] = m end
      for _, m in ipairs(g.scoped) do marks[#marks + 1] = m.name end
    end
    for _, m in ipairs(t.own) do marks[#marks + 1] = m end
    t.marks = marks
  end
  return info
end

--- Loads a test file with the stub and returns what it defines.
---@param path string
---@return table? info { tests = { {name, marks, own, doc, line, group} }, registered = {}, marks = { {name, line} } }, string? err, integer? line
function M.inspect(path)
  return run_stubbed(path, { tests = {}, registered = {} })
end

--- The folders whose conftest.lua applies to `path`, root first, as the
--- runner loads them: a relative path's folders from "." down; an absolute
--- path under the current folder is made relative; any other absolute path
--- gets only its own folder's conftest.lua.
---@param path string
---@return string[]
function M.conftest_dirs(path)
  local dir = path:match("^(.*)/[^/]*$") or "."
  if dir:sub(1, 1) == "/" then
    local okfs, fs = pcall(require, "omni.core.fs")
    local cwd = okfs and fs.cwd and fs.cwd() or os.getenv("PWD")
    if cwd and (dir == cwd or dir:sub(1, #cwd + 1) == cwd .. "/") then
      dir = dir == cwd and "." or dir:sub(#cwd + 2)
    else
      return { dir }
    end
  end
  dir = dir:gsub("^%./", ""):gsub("/+$", "")
  local dirs, acc = { "." }, nil
  if dir == "." or dir == "" then return dirs end
  for part in dir:gmatch("[^/]+") do
    if part ~= "." then
      acc = acc and (acc .. "/" .. part) or part
      dirs[#dirs + 1] = acc
    end
  end
  return dirs
end

--- The marks registered by the conftest.lua files that apply to `path`
--- (root down), loaded with the stub once per folder into `cache`. A
--- conftest that fails to load is reported once (an OL007 problem). The
--- third result lists the marks those conftests give their folders with
--- omni.marks ({ name, file, line }, root first).
---@param path string
---@param cache table? shared between files of one lint run
---@return string[] registered, table[] problems, table[] folder_marks
function M.conftest_marks(path, cache)
  cache = cache or {}
  local names, problems, folder = {}, {}, {}
  for _, dir in ipairs(M.conftest_dirs(path)) do
    local conf = (dir == "." and "" or dir .. "/") .. "conftest.lua"
    local entry = cache[conf]
    if entry == nil then
      local fh = io.open(conf, "rb")
      if not fh then
        entry = false
      else
        fh:close()
        local info, err, line = run_stubbed(conf, { tests = {}, registered = {} })
        entry = { registered = info and info.registered or {}, marks = info and info.marks or {}, file = conf }
        if not info then
          problems[#problems + 1] = { file = conf, line = line or 1, code = "OL007", message = err }
        end
      end
      cache[conf] = entry
    end
    if entry then
      for _, n in ipairs(entry.registered) do names[#names + 1] = n end
      for _, m in ipairs(entry.marks) do folder[#folder + 1] = { name = m.name, file = entry.file, line = m.line } end
    end
  end
  return names, problems, folder
end

--- The level a test file belongs to, from its path: "L1", "L2", "L3"
--- (an _expansion file), "L4doc", "L5", or nil for files outside tests/.
---@param path string
---@return string? level, string? rel path from tests/
function M.level_of(path)
  -- the last "tests/" segment: samples of a tree may live inside another tests/
  local rel
  local p = "/" .. path
  for pos in p:gmatch("()/tests/") do rel = p:sub(pos + 7) end
  if not rel then return nil end
  local first, second = rel:match("^([^/]+)/([^/]+)/")
  if not first then first = rel:match("^([^/]+)/") end
  local base = rel:match("([^/]+)$")
  if first == "e2e" then
    if second == "reliability" then return "L5", rel end
    if base:match("_expansion%.lua$") then return "L3", rel end
    return "L2", rel
  elseif first == "example" then
    return "L4doc", rel
  end
  return "L1", rel
end

local function has(list, v)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end

--- Checks one file. Returns a list of problems { file, line, code, message }.
---@param path string
---@param opts? { registered: string[]?, conftest_cache: table? }
---@return table[]
function M.check_file(path, opts)
  opts = opts or {}
  local problems = {}
  local function add(line, code, fmt, ...)
    problems[#problems + 1] = { file = path, line = line or 1, code = code, message = string.format(fmt, ...) }
  end
  -- conftest.lua files from the root down, as the runner loads them
  local conf_marks, conf_problems, folder_marks = M.conftest_marks(path, opts.conftest_cache)
  local info, err, eline = M.inspect(path)
  if not info then
    add(eline, "OL007", "%s", err)
    for _, p in ipairs(conf_problems) do table.insert(problems, 1, p) end
    return problems
  end
  local registered = {}
  local ok, markers = pcall(require, "omni.markers")
  if ok and markers.names then for _, n in ipairs(markers.names()) do registered[n] = true end
  else for _, n in ipairs({ "core_model", "advanced_model", "cpu", "gpu" }) do registered[n] = true end end
  for _, n in ipairs(opts.registered or {}) do registered[n] = true end
  for _, n in ipairs(info.registered) do registered[n] = true end
  for _, n in ipairs(conf_marks) do registered[n] = true end

  local lvl, rel = M.level_of(path)
  local base = path:match("([^/]+)$")
  local expansion = base:match("_expansion%.lua$") ~= nil
  -- placement
  if rel then
    local first, second = rel:match("^([^/]+)/([^/]+)/")
    if expansion and not (first == "e2e" and M.EXPANSION_FOLDERS[second or ""]) then
      add(1, "OL006", "%s is an L3/L4 expansion file outside its level's folder (tests/e2e/online_serving, tests/e2e/offline_inference or tests/e2e/accuracy)", base)
    elseif first == "e2e" and not M.E2E_FOLDERS[second or ""] then
      add(1, "OL006", "e2e test file outside the level folders (tests/e2e/{online_serving,offline_inference,accuracy,reliability})")
    elseif first == "example" and second ~= "online_serving" and second ~= "offline_inference" then
      add(1, "OL006", "doc test outside tests/example/online_serving or tests/example/offline_inference")
    end
  end
  -- omni.marks: a conftest's (reported in that conftest, once per lint
  -- run), the file's and its groups' (at the call); then the tests' own
  local cache = opts.conftest_cache or {}
  cache.__reported = cache.__reported or {}
  local reported = cache.__reported
  for _, m in ipairs(folder_marks) do
    local key = m.file .. ":" .. m.line .. ":" .. m.name
    if not registered[m.name] and not reported[key] then
      reported[key] = true
      conf_problems[#conf_problems + 1] = { file = m.file, line = m.line, code = "OL003",
        message = string.format("omni.marks: mark '%s' is not registered (omnilua markers lists them; register it with omni.register_mark)", m.name) }
    end
  end
  local seen_scoped = {}
  local function check_scoped(list)
    for _, m in ipairs(list) do
      if not registered[m.name] and not seen_scoped[m] then
        seen_scoped[m] = true
        add(m.line, "OL003", "omni.marks: mark '%s' is not registered (omnilua markers lists them; register it with omni.register_mark)", m.name)
      end
    end
  end
  check_scoped(info.marks)
  local e2e = lvl == "L2" or lvl == "L3" or lvl == "L4doc" or lvl == "L5"
  for _, t in ipairs(info.tests) do
    for _, g in ipairs(t.groups) do check_scoped(g.scoped) end
    local own = {}
    for _, g in ipairs(t.groups) do for _, m in ipairs(g.marks) do own[#own + 1] = m end end
    for _, m in ipairs(t.own) do own[#own + 1] = m end
    for _, m in ipairs(own) do
      if not registered[m] then add(t.line, "OL003", "test '%s': mark '%s' is not registered (omnilua markers lists them; register it with omni.register_mark)", t.name, m) end
    end
    if #folder_marks > 0 then
      local all = {}
      for _, m in ipairs(folder_marks) do all[#all + 1] = m.name end
      for _, m in ipairs(t.marks) do all[#all + 1] = m end
      t.marks = all
    end
    if e2e and lvl ~= "L5" then
      if not t.name:match("^[a-z0-9]+[a-z0-9_]*_%d%d%d$") then
        add(t.line, "OL001", "test '%s': name it <scenario>_<NNN> in lower case, e.g. mix_to_text_audio_001", t.name)
      end
      local doc = type(t.doc) == "string" and t.doc or ""
      local missing = {}
      for _, field in ipairs(M.DOC_FIELDS) do
        if not doc:find(field .. "%s*:") then missing[#missing + 1] = field end
      end
      if #missing > 0 then
        add(t.line, "OL002", "test '%s': doc misses %s (fields: %s)", t.name, table.concat(missing, ", "),
          table.concat(M.DOC_FIELDS, " / "))
      end
    end
    if lvl == "L1" then
      -- A component folder holds L1's CPU tests and the GPU unit tests the
      -- spec gives L2 (scripts/levels/L1.lua: a test that needs a real GPU
      -- carries gpu instead of cpu). Marked gpu and not cpu, L1's
      -- -m 'core_model and cpu' never selects it, so it is in its place;
      -- marked both, L1 would run a GPU test on a CPU machine.
      local gpu, cpu, core = has(t.marks, "gpu"), has(t.marks, "cpu"), has(t.marks, "core_model")
      if gpu and cpu then
        add(t.line, "OL004", "test '%s': marked both cpu and gpu, so L1 (-m 'core_model and cpu') runs a GPU test on CPU; drop cpu", t.name)
      elseif gpu and not core then
        add(t.line, "OL004", "test '%s': a GPU unit test runs in L2 with -m 'core_model and gpu'; add the mark core_model", t.name)
      elseif not gpu and not (core and cpu) then
        add(t.line, "OL004", "test '%s': L1 runs -m 'core_model and cpu'; add the marks core_model and cpu", t.name)
      end
    elseif lvl == "L2" and not has(t.marks, "core_model") then
      add(t.line, "OL004", "test '%s': L2 runs -m core_model; add the mark core_model (or move it to an _expansion file)", t.name)
    end
    if expansion and not has(t.marks, "advanced_model") then
      add(t.line, "OL005", "test '%s': an _expansion file's tests run in L3/L4 with -m advanced_model; add the mark advanced_model", t.name)
    end
  end
  table.sort(problems, function(a, b) if a.line ~= b.line then return a.line < b.line end return a.code < b.code end)
  -- a broken conftest first: it explains the marks it failed to register
  for i, p in ipairs(conf_problems) do table.insert(problems, i, p) end
  return problems
end

--- The test files under `paths` (files given explicitly are taken whatever their name).
---@param paths string[]
---@return string[] files, string[] missing
function M.files(paths)
  local fs = require "omni.core.fs"
  local files, missing = {}, {}
  local function walk(dir)
    local names = fs.list(dir) or {}
    table.sort(names)
    for _, n in ipairs(names) do
      local p = dir .. "/" .. n
      local st = fs.stat(p)
      if st and st.type == "directory" and n:sub(1, 1) ~= "." and n ~= "samples" then walk(p)
      elseif st and st.type == "file" and n:match("^test_.*%.lua$") then files[#files + 1] = p end
    end
  end
  for _, p in ipairs(paths) do
    p = p:gsub("/+$", "")
    local st = fs.stat(p)
    if not st then missing[#missing + 1] = p
    elseif st.type == "directory" then walk(p)
    else files[#files + 1] = p end
  end
  return files, missing
end

return M
