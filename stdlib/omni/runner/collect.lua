--- Collection: finds test files, loads conftest.lua files (root first) and
--- each test file in its own environment, and turns the recorded tests
--- into items (one per parameter set) with node ids, marks, keywords and
--- their fixture closure. Runs in the parent, before any worker is forked.
local context = require "omni.runner.context"
local params = require "omni.runner.params"
local closure = require "omni.runner.closure"
local fixture = require "omni.fixture"
local markers = require "omni.markers"
local fs = require "omni.core.fs"
local omni_indirect = require("omni").indirect
local fixture_params

local M = {}

local SKIP_DIRS = { build = true, dist = true, node_modules = true, venv = true, CVS = true }

local function join(a, b)
  if a == "" or a == "." then return b end
  return a:sub(-1) == "/" and a .. b or a .. "/" .. b
end

local function dirname(p) return p:match("^(.*)/[^/]*$") or "." end
local function basename(p) return p:match("([^/]*)$") end

local function walk(dir, out)
  local names = fs.list(dir)
  if not names then return end
  for _, n in ipairs(names) do
    if n:sub(1, 1) ~= "." and not SKIP_DIRS[n] and not n:match("^build%-") then
      local p = join(dir, n)
      local st = fs.stat(p)
      if st and st.type == "directory" then
        walk(p, out)
      elseif st and st.type == "file" and n:match("^test_.*%.lua$") then
        out[#out + 1] = p
      end
    end
  end
end

--- Normalizes a path relative to the root: "./a//b/" -> "a/b".
local function relative(root, path)
  if path:sub(1, 1) == "/" then
    if path == root then return "." end
    if path:sub(1, #root + 1) == root .. "/" then path = path:sub(#root + 2) end
  end
  path = path:gsub("/+", "/"):gsub("^%./", ""):gsub("/%./", "/"):gsub("/$", "")
  return path == "" and "." or path
end

--- Files to load for the given paths. Each path may carry "::" selectors
--- (pytest style: file::group::name). Returns files (in order, unique),
--- selectors (file -> list of node id prefixes) and errors for missing paths.
---@param root string absolute root directory
---@param paths string[]
function M.discover(root, paths)
  local files, seen, selectors, missing = {}, {}, {}, {}
  for _, arg in ipairs(paths) do
    local path, sel = arg:match("^(.-)(::.*)$")
    path = path or arg
    local rel = relative(root, path)
    local st = fs.stat(rel)
    if not st then
      missing[#missing + 1] = arg
    elseif st.type == "directory" then
      local found = {}
      walk(rel, found)
      for _, f in ipairs(found) do
        if not seen[f] then seen[f] = true; files[#files + 1] = f end
        selectors[f] = false
      end
    else
      if not seen[rel] then seen[rel] = true; files[#files + 1] = rel end
      if sel then
        if selectors[rel] ~= false then
          selectors[rel] = selectors[rel] or {}
          table.insert(selectors[rel], rel .. sel)
        end
      else
        selectors[rel] = false
      end
    end
  end
  return files, selectors, missing
end

local function load_into(path, scope)
  local env = setmetatable({}, { __index = _G })
  local chunk, err = loadfile(path, "t", env)
  if not chunk then return nil, err, nil end
  local saved_scope, saved_file = context.scope, context.file
  context.scope = scope
  context.file = scope.tests and scope or nil
  local ok, e = xpcall(chunk, debug.traceback)
  context.scope, context.file = saved_scope, saved_file
  if not ok then
    local msg = tostring(e)
    return nil, msg:match("^[^\n]*"), msg
  end
  return true
end

--- Collector state: conftest scopes by folder, shared by every file.
---@param root string
function M.new(root)
  return { root = root, dir_scopes = { }, conftest_errors = {} }
end

local function collect_error(file, message, longrepr)
  return {
    nodeid = file, file = file, line = 0, name = basename(file), classname = file,
    outcome = "error", when = "collect", duration = 0, marks = {}, params = {},
    message = message, longrepr = longrepr or message,
  }
end

--- The scope for files in `dir` (conftests from the root down), or nil and
--- the collection error of a broken conftest.
local function dir_scope(c, dir)
  if c.dir_scopes[dir] then return c.dir_scopes[dir] end
  local parent
  if dir == "." or dir:sub(1, 1) == "/" then
    -- the root, or a folder outside it: only its own conftest.lua applies
    parent = fixture.builtin_scope
  else
    local up = dirname(dir)
    if up == dir then
      parent = fixture.builtin_scope
    else
      local err
      parent, err = dir_scope(c, up)
      if not parent then return nil, err end
    end
  end
  local scope = parent
  local conf = join(dir, "conftest.lua")
  local st = fs.stat(conf)
  if st and st.type == "file" then
    scope = context.new_scope("conftest", parent, { path = conf })
    local ok, msg, tb = load_into(conf, scope)
    if not ok then
      c.dir_scopes[dir] = false
      c.conftest_errors[dir] = collect_error(conf, msg, tb)
      return nil, c.conftest_errors[dir]
    end
  end
  c.dir_scopes[dir] = scope
  return scope
end
M.dir_scope = dir_scope

local function norm_mark(m)
  if type(m) == "string" then return { name = m } end
  if type(m) == "table" then
    local name = m.name or m[1]
    local kwargs = m.kwargs
    if not kwargs then
      kwargs = {}
      for k, v in pairs(m) do
        if type(k) == "string" and k ~= "name" then kwargs[k] = v end
      end
      if next(kwargs) == nil then kwargs = nil end
    end
    if type(name) == "string" then return { name = name, kwargs = kwargs } end
  end
  return nil
end

local function argnames(fn)
  local names, i = {}, 1
  local info = debug.getinfo(fn, "u")
  for k = 1, info.nparams do
    names[k] = debug.getlocal(fn, k)
    i = i + 1
  end
  return names
end
M.argnames = argnames

--- Merges group options (outer first) and the test's own into one view.
local function chain_of(test)
  local groups, s = {}, test.scope
  while s and s.kind == "group" do
    table.insert(groups, 1, s.group)
    s = s.parent
  end
  return groups
end

local EMPTY = setmetatable({}, { __newindex = function() error("read-only", 2) end })

--- What every item of one file shares (computed once per file).
local function file_info(file)
  local dir_words = {}
  for part in dirname(file):gmatch("[^/]+") do
    if part ~= "." then dir_words[#dir_words + 1] = part end
  end
  return { file = file, base = basename(file), dir_words = dir_words, prefix = file .. "::",
    classname = (file:gsub("%.lua$", ""):gsub("/", ".")) }
end

--- -k words of an item: its name (with [id]), group names, the file's base
--- name, folder names and mark names (computed only when -k is given).
---@param item table
---@return string[]
function M.keywords(item)
  local words = { item.name, item.finfo.base }
  for _, g in ipairs(item.groups) do words[#words + 1] = g end
  for _, d in ipairs(item.finfo.dir_words) do words[#words + 1] = d end
  for _, n in ipairs(item.mark_names) do words[#words + 1] = n end
  return words
end

local function unregistered(where, test, name)
  return string.format(
    "%s: test '%s' uses unregistered mark '%s' (register it with omni.register_mark(name, description) in a conftest.lua; `omnilua markers` lists the known ones)",
    where, test.name, name)
end

local function check_marks(list, where, test, errors)
  local norm, names = {}, {}
  for _, m in ipairs(list) do
    local nm = norm_mark(m)
    if not nm then
      errors[#errors + 1] = string.format("%s: test '%s': a mark must be a name or { name = ..., kwargs = {...} }",
        where, test.name)
      return nil
    end
    if not markers.known(nm.name) then
      errors[#errors + 1] = unregistered(where, test, nm.name)
      return nil
    end
    norm[#norm + 1] = nm
    names[#names + 1] = nm.name
  end
  return norm, names
end

--- Appends `more` (normalized marks) to a copy of `base`; a plain mark
--- (no kwargs) already present by name is not repeated, so a conftest's
--- `cpu` and a test's own `cpu` show once.
local function combine(base_norm, base_names, more_norm)
  if #more_norm == 0 then return base_norm, base_names end
  local norm, names, plain = { table.unpack(base_norm) }, { table.unpack(base_names) }, {}
  for _, m in ipairs(base_norm) do if not m.kwargs then plain[m.name] = true end end
  for _, m in ipairs(more_norm) do
    if m.kwargs or not plain[m.name] then
      norm[#norm + 1] = m
      names[#names + 1] = m.name
      if not m.kwargs then plain[m.name] = true end
    end
  end
  return norm, names
end

--- The marks of the scopes around a test -- conftest folders root first,
--- the file, then its groups outer first (their `marks` option, then
--- omni.marks calls inside them) -- normalized and checked against the
--- registry once per scope. Returns norm, names, or nil and the error.
local function scope_marks(s, test, file)
  if s == nil then return EMPTY, EMPTY end
  if s.marks_norm then return s.marks_norm, s.marks_names end
  local inh_norm, inh_names, err = scope_marks(s.parent, test, file)
  if not inh_norm then return nil, nil, err end
  local own = {}
  if s.kind == "group" then
    for _, m in ipairs(s.group.opts.marks or EMPTY) do own[#own + 1] = { m, nil } end
  end
  for i, m in ipairs(s.marks or EMPTY) do own[#own + 1] = { m, s.marks_at[i] } end
  local norm, names = inh_norm, inh_names
  if #own > 0 then
    local more = {}
    for _, e in ipairs(own) do
      local nm = norm_mark(e[1])
      local where = e[2] or (file .. ":" .. test.line)
      if not nm then
        return nil, nil, string.format("%s: a mark must be a name or { name = ..., kwargs = {...} }", where)
      end
      if not markers.known(nm.name) then return nil, nil, unregistered(where, test, nm.name) end
      more[#more + 1] = nm
    end
    norm, names = combine(inh_norm, inh_names, more)
  end
  -- only a valid result is kept: `where` (test-specific) appears in errors only
  s.marks_norm, s.marks_names = norm, names
  return norm, names
end

-- The test's params in list form ({ {spec, values}, ... }), pytest's order.
local function as_list(spec)
  if spec == nil or next(spec) == nil then return {} end
  if spec[1] ~= nil then return { table.unpack(spec) } end
  local keys, list = {}, {}
  for k in pairs(spec) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do list[#list + 1] = { k, spec[k] } end
  return list
end

--- Parametrized fixtures (omni.fixture's `params`) the test uses, directly
--- or through other fixtures, become indirect parameters after the test's
--- own: returns the combined params spec, or nil when there are none. A
--- name the test parametrizes itself keeps the test's values (as pytest).
fixture_params = function(test, args, spec, first)
  local probe = { scope = test.scope, args = args, values = first.values, indirect = first.indirect,
    file = "", line = 0, base = test.name }
  local defs = closure.resolve(probe)
  local extra
  for _, def in ipairs(defs) do
    if def.params and first.values[def.name] == nil then
      extra = extra or {}
      extra[#extra + 1] = { def.name, omni_indirect(def.params) }
    end
  end
  if not extra then return nil end
  local list = as_list(spec)
  for _, e in ipairs(extra) do list[#list + 1] = e end
  return list
end

local function expand_test(finfo, test, items, errors)
  local file = finfo.file
  local opts, marks, gnames = test.opts, test.opts.marks or EMPTY, EMPTY
  if test.scope.kind == "group" then
    local groups = chain_of(test)
    opts, gnames = {}, {}
    for _, g in ipairs(groups) do
      gnames[#gnames + 1] = g.name
      for k, v in pairs(g.opts) do if k ~= "marks" then opts[k] = v end end
    end
    for k, v in pairs(test.opts) do if k ~= "marks" then opts[k] = v end end
  end
  local scope_norm, scope_names, serr = scope_marks(test.scope, test, file)
  if not scope_norm then
    errors[#errors + 1] = serr
    return
  end

  local args = argnames(test.fn)
  local spec = test.opts.params
  local sets, perr = params.expand(spec)
  if not sets then
    errors[#errors + 1] = string.format("%s:%d: test '%s': %s", file, test.line, test.name, perr)
    return
  end
  local fspec = fixture_params(test, args, spec, sets[1])
  if fspec then
    sets, perr = params.expand(fspec)
    if not sets then
      errors[#errors + 1] = string.format("%s:%d: test '%s': %s", file, test.line, test.name, perr)
      return
    end
  end
  local argset = EMPTY
  if #args > 0 then
    argset = {}
    for _, a in ipairs(args) do argset[a] = true end
  end
  local prefix, classname = finfo.prefix, finfo.classname
  if #gnames > 0 then
    prefix = prefix .. table.concat(gnames, "::") .. "::"
    classname = classname .. "." .. table.concat(gnames, ".")
  end
  local base_norm, base_names = scope_norm, scope_names
  if #marks > 0 then
    local own = check_marks(marks, file .. ":" .. test.line, test, errors)
    if not own then return end
    base_norm, base_names = combine(scope_norm, scope_names, own)
  end
  for _, set in ipairs(sets) do
    local norm, names = base_norm, base_names
    if #set.marks > 0 then
      local extra = check_marks(set.marks, file .. ":" .. test.line, test, errors)
      if not extra then return end
      norm, names = combine(base_norm, base_names, extra)
    end
    for pname in pairs(set.values) do
      if not set.indirect[pname] and not argset[pname] then
        errors[#errors + 1] = string.format("%s:%d: test '%s' is parametrized with '%s' but has no parameter of that name",
          file, test.line, test.name, pname)
        return
      end
    end
    local name = set.id and (test.name .. "[" .. set.id .. "]") or test.name
    local item = {
      nodeid = prefix .. name, file = file, line = test.line, name = name, base = test.name,
      groups = gnames, marks = norm, mark_names = names, params = set.ids, values = set.values,
      indirect = set.indirect, fn = test.fn, args = args, opts = opts, scope = test.scope,
      finfo = finfo, classname = classname, timeout = opts.timeout,
    }
    if not opts.timeout then
      for _, m in ipairs(norm) do
        if m.name == "timeout" and m.kwargs and tonumber(m.kwargs.seconds) then
          item.timeout = tonumber(m.kwargs.seconds)
        end
      end
    end
    item.fixtures, item.setup_error = closure.resolve(item)
    items[#items + 1] = item
  end
end

--- Loads one test file (after its conftests) and appends its items.
--- Returns nil or a collection error record.
---@return table? error_record
function M.load_file(c, file, items)
  local scope, cerr = dir_scope(c, dirname(file))
  if not scope then
    return collect_error(file, "conftest failed to load: " .. cerr.message, cerr.longrepr)
  end
  local fscope = context.new_scope("file", scope, { path = file, tests = {} })
  local ok, msg, tb = load_into(file, fscope)
  if not ok then return collect_error(file, msg, tb) end
  local errors = {}
  local first = #items
  local finfo = file_info(file)
  for _, t in ipairs(fscope.tests) do expand_test(finfo, t, items, errors) end
  if #errors > 0 then
    for i = #items, first + 1, -1 do items[i] = nil end
    return collect_error(file, errors[1], table.concat(errors, "\n"))
  end
end

return M
