-- tools/apidoc.lua: the Lua API reference, generated from the LuaLS
-- annotations of the stdlib (and of the ---@meta stubs of the C modules in
-- stdlib/omni/meta/), so that docs/reference/api.md and what an editor
-- completes come from one source.
--
--   build/omnilua lua tools/apidoc.lua            writes docs/reference/api.md
--   build/omnilua lua tools/apidoc.lua --check    exit 1 when api.md is out of date, or
--                                                 when a public function lacks a ---@param
--   options: --root DIR (holds stdlib/; default the folder above tools/), --out FILE
--            (default DIR/docs/reference/api.md), --allow FILE (known gaps, one
--            "path function param" per line, that --check tolerates), --all
--            (--check also reports internal modules)
--
-- Only line-level conventions are read (no Lua parser): `---` comment blocks,
-- and the statement right after a block: `function M.f(...)`, `function M:f(...)`,
-- `M.f = function(...)`, `M.x = value`, `function X:f(...)` / `function X.f(...)`
-- where `local X = ...` follows a `---@class` block, and `local M = ...`.
-- Names starting with `_` are private and left out.
local fs = require "omni.core.fs"

-- Modules a test writer, level writer or release engineer calls. The others
-- (runner, reporters, CLI commands, bench/soak drivers, helpers) are listed as
-- internals: documented, but --check does not demand their ---@param.
local PUBLIC = {
  ["omni"] = true, ["omni.assert"] = true, ["omni.proc"] = true, ["omni.http"] = true,
  ["omni.media"] = true, ["omni.metrics"] = true, ["omni.gpu"] = true, ["omni.faults"] = true,
  ["omni.yaml"] = true, ["omni.stage_config"] = true, ["omni.openai"] = true,
  ["omni.server"] = true, ["omni.offline"] = true, ["omni.level"] = true,
  ["omni.fixtures.serving"] = true,
}
local PUBLIC_ORDER = {
  "omni", "omni.assert", "omni.fixtures.serving", "omni.openai", "omni.server", "omni.offline",
  "omni.media", "omni.http", "omni.proc", "omni.metrics", "omni.faults", "omni.gpu", "omni.yaml",
  "omni.stage_config", "omni.level",
}

-- ------------------------------------------------------------- files --

local function walk(dir, rel, out)
  local names = assert(fs.list(dir))
  for _, name in ipairs(names) do
    local path, relpath = dir .. "/" .. name, rel .. "/" .. name
    local st = fs.stat(path)
    if st and st.type == "directory" then
      walk(path, relpath, out)
    elseif st and name:match("%.lua$") then
      out[#out + 1] = relpath
    end
  end
  return out
end

local read = require("omni.files").read

-- stdlib/omni/init.lua -> omni, stdlib/omni/a/b.lua -> omni.a.b
local function module_name(relpath)
  local m = relpath:gsub("^stdlib/", ""):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
  return m
end

-- ------------------------------------------------------------- parsing --

-- Splits "TYPE rest" where TYPE may hold spaces inside (), {}, [], <> or quotes,
-- and unions written with spaces around `|`.
local function split_type(s)
  s = s:gsub("^%s+", "")
  local depth, i, quote = 0, 1, nil
  while i <= #s do
    local c = s:sub(i, i)
    if quote then
      if c == quote then quote = nil end
    elseif c == '"' or c == "'" then
      quote = c
    elseif c:match("[%(%{%[<]") then
      depth = depth + 1
    elseif c:match("[%)%}%]>]") and not (c == ">" and s:sub(i - 1, i - 1) == "-") then
      depth = math.max(0, depth - 1)
    elseif c:match("%s") and depth == 0 then
      local after = s:match("^%s*(.)", i)
      local before = s:sub(1, i - 1):match("(%S)%s*$")
      if after ~= "|" and before ~= "|" and before ~= ":" and before ~= "," then break end
    end
    i = i + 1
  end
  local ty = s:sub(1, i - 1)
  local rest = s:sub(i):gsub("^%s+", ""):gsub("%s+$", "")
  return ty, rest
end

local function parse_tag(line)
  local tag, body = line:match("^@(%w+)%s*(.*)$")
  if not tag then return nil end
  if tag == "param" then
    local name, rest = body:match("^([%w_%.]+%??)%s*(.*)$")
    if not name then return { tag = "bad", text = line } end
    local ty, desc = split_type(rest)
    local optional = name:sub(-1) == "?"
    return { tag = "param", name = name:gsub("%?$", ""), optional = optional, type = ty, desc = desc }
  elseif tag == "return" then
    local ty, rest = split_type(body)
    return { tag = "return", type = ty, desc = rest }
  elseif tag == "field" then
    local name, rest = body:match("^([%w_%[%]\"]+%??)%s*(.*)$")
    if not name then return { tag = "bad", text = line } end
    local ty, desc = split_type(rest)
    return { tag = "field", name = name, type = ty, desc = desc }
  elseif tag == "class" then
    local name, parent = body:match("^([%w_%.]+)%s*:?%s*([%w_%.]*)")
    return { tag = "class", name = name, parent = parent ~= "" and parent or nil }
  elseif tag == "type" then
    local ty = split_type(body)
    return { tag = "type", type = ty }
  elseif tag == "meta" then
    return { tag = "meta", name = body:match("^(%S+)") }
  end
  return { tag = tag, text = body }
end

local function new_block(first_line)
  return { line = first_line, desc = {}, params = {}, returns = {}, classes = {}, tags = {} }
end

local function add_to_block(b, text)
  local t = text:match("^%s*(@.*)$")
  t = t and parse_tag(t:sub(1))
  if not t then
    if #b.tags == 0 or (#b.desc > 0 and b.desc_open) then
      b.desc[#b.desc + 1] = text
      b.desc_open = true
    end
    return
  end
  if t.tag == "meta" then -- the file's first line: the description follows it
    b.meta = t.name or true
    return
  end
  b.desc_open = false
  b.tags[#b.tags + 1] = t
  if t.tag == "param" then
    b.params[#b.params + 1] = t
  elseif t.tag == "return" then
    b.returns[#b.returns + 1] = t
  elseif t.tag == "class" then
    b.classes[#b.classes + 1] = { name = t.name, parent = t.parent, fields = {}, methods = {}, line = b.line }
  elseif t.tag == "field" and #b.classes > 0 then
    local fields = b.classes[#b.classes].fields
    fields[#fields + 1] = t
  elseif t.tag == "type" then
    b.type = t.type
  end
end

local function signature_params(args)
  local out = {}
  for a in args:gmatch("[^,]+") do
    a = a:match("^%s*(.-)%s*$")
    if a ~= "" then out[#out + 1] = a end
  end
  return out
end

-- One file -> { name, path, doc = {lines}, functions, fields, classes }.
local function parse_file(relpath, text)
  local mod = { path = relpath, name = module_name(relpath), doc = {}, functions = {}, fields = {}, classes = {} }
  local block, pending
  local locals = {}   -- local name -> class (from a ---@class block right above)
  local mvar = "M"
  local lineno = 0
  local leading = true
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    lineno = lineno + 1
    local c = line:match("^%-%-%-(.*)$")
    if c and not line:match("^%-%-%-%-") then
      c = c:gsub("^ ", "")
      block = block or new_block(lineno)
      add_to_block(block, c)
    else
      pending, block = block, nil
      if pending and leading then
        -- the file's first block: its text is the module's description
        leading = false
        for _, l in ipairs(pending.desc) do mod.doc[#mod.doc + 1] = l end
        if pending.meta and pending.meta ~= true then mod.name = pending.meta; mod.meta = true end
        pending.desc = {}
      elseif not line:match("^%s*%-%-") and line:match("%S") then
        leading = false
      end
      for _, cls in ipairs(pending and pending.classes or {}) do mod.classes[#mod.classes + 1] = cls end
      local attached = pending and pending.line and line:match("%S") and pending or nil
      local owner, sep, fname, args = line:match("^function%s+([%w_]+)([%.:])([%w_]+)%s*%((.-)%)")
      if not owner then
        owner, fname, args = line:match("^([%w_]+)%.([%w_]+)%s*=%s*function%s*%((.-)%)")
        sep = "."
      end
      local lvar, lvalue = line:match("^local%s+([%w_]+)%s*=%s*(.*)$")
      if owner and not fname:match("^_") then
        local fn = {
          name = fname, sep = sep, args = signature_params(args), line = lineno,
          block = attached, documented = attached ~= nil,
        }
        if owner == mvar then
          mod.functions[#mod.functions + 1] = fn
        elseif locals[owner] then
          local cls = locals[owner]
          cls.methods[#cls.methods + 1] = fn
        elseif attached and #attached.desc + #attached.tags > 0 then
          fn.owner = owner -- a documented method on a local table without a class
          mod.functions[#mod.functions + 1] = fn
        end
      elseif lvar and lvalue then
        if attached and #attached.classes > 0 then
          local cls = attached.classes[#attached.classes]
          locals[lvar] = cls
          if lvalue:match("^{%s*}") and lvar == "M" then cls.is_module = true end
        end
        if lvar == "M" then mvar = "M" end
      else
        local f, value = line:match("^" .. mvar .. "%.([%w_]+)%s*=%s*(.-)%s*$")
        if f and not f:match("^_") and f:upper() ~= f and attached then
          mod.fields[#mod.fields + 1] = { name = f, block = attached, value = value, line = lineno }
        elseif f and not f:match("^_") and attached then
          mod.fields[#mod.fields + 1] = { name = f, block = attached, value = value, line = lineno }
        end
      end
      pending = nil
    end
  end
  return mod
end

-- ------------------------------------------------------------- checks --

-- Parameters of public functions without a ---@param, and ---@param naming
-- no parameter. Each problem: { path, line, func, param, kind }.
local function problems_of(mod)
  local out = {}
  local function check(fn, qual)
    local have = {}
    for _, p in ipairs(fn.block and fn.block.params or {}) do have[p.name] = true end
    local args = {}
    for _, a in ipairs(fn.args) do
      args[a] = true
      if not have[a] then
        out[#out + 1] = { path = mod.path, line = fn.line, func = qual, param = a, kind = "missing" }
      end
    end
    for _, p in ipairs(fn.block and fn.block.params or {}) do
      if not args[p.name] and not (p.name == "self" and fn.sep == ":") then
        out[#out + 1] = { path = mod.path, line = fn.line, func = qual, param = p.name, kind = "unknown" }
      end
    end
  end
  for _, fn in ipairs(mod.functions) do
    check(fn, (fn.owner or "M") .. fn.sep .. fn.name)
  end
  for _, cls in ipairs(mod.classes) do
    for _, fn in ipairs(cls.methods) do check(fn, cls.name .. fn.sep .. fn.name) end
  end
  return out
end

-- ------------------------------------------------------------- rendering --

local function short(modname)
  if modname == "omni" then return "omni" end
  return modname:match("([%w_]+)$")
end

local function anchor(title)
  return "#" .. title:lower():gsub("[^%w%s%-_]", ""):gsub("%s", "-")
end

local function join_desc(lines)
  local s = table.concat(lines, "\n"):gsub("^%s+", ""):gsub("%s+$", "")
  return s
end

local function code(s) return "`" .. s:gsub("`", "'") .. "`" end

local function render_function(out, prefix, fn)
  local b = fn.block or new_block(fn.line)
  local opt = {}
  for _, p in ipairs(b.params) do opt[p.name] = p.optional or p.type:match("%?$") ~= nil end
  local shown = {}
  for _, a in ipairs(fn.args) do shown[#shown + 1] = a .. (opt[a] and "?" or "") end
  out[#out + 1] = "#### " .. code(prefix .. fn.sep .. fn.name .. "(" .. table.concat(shown, ", ") .. ")")
  out[#out + 1] = ""
  local desc = join_desc(b.desc)
  if desc ~= "" then
    out[#out + 1] = desc
    out[#out + 1] = ""
  elseif not fn.documented then
    out[#out + 1] = "*Undocumented.*"
    out[#out + 1] = ""
  end
  local items = 0
  for _, p in ipairs(b.params) do
    out[#out + 1] = "- **" .. p.name .. "**" .. (p.optional and "?" or "") .. " " .. code(p.type) ..
      (p.desc ~= "" and (" — " .. p.desc) or "")
    items = items + 1
  end
  for _, r in ipairs(b.returns) do
    out[#out + 1] = "- returns " .. code(r.type) .. (r.desc ~= "" and (" " .. r.desc) or "")
    items = items + 1
  end
  if items > 0 then out[#out + 1] = "" end
end

local function render_class(out, cls, mod)
  out[#out + 1] = "#### class " .. code(cls.name) .. (cls.parent and (" : " .. code(cls.parent)) or "")
  out[#out + 1] = ""
  for _, f in ipairs(cls.fields) do
    out[#out + 1] = "- **" .. f.name .. "** " .. code(f.type) .. (f.desc ~= "" and (" — " .. f.desc) or "")
  end
  if #cls.fields > 0 then out[#out + 1] = "" end
  for _, fn in ipairs(cls.methods) do render_function(out, cls.is_module and short(mod.name) or cls.name, fn) end
end

local function render_module(out, mod)
  out[#out + 1] = "## " .. mod.name
  out[#out + 1] = ""
  out[#out + 1] = "<sub>" .. code(mod.path) .. "</sub>"
  out[#out + 1] = ""
  local doc = join_desc(mod.doc)
  if doc ~= "" then
    out[#out + 1] = doc
    out[#out + 1] = ""
  end
  local prefix = short(mod.name)
  if #mod.functions > 0 then
    out[#out + 1] = "### Functions"
    out[#out + 1] = ""
    for _, fn in ipairs(mod.functions) do render_function(out, fn.owner or prefix, fn) end
  end
  if #mod.fields > 0 then
    out[#out + 1] = "### Fields"
    out[#out + 1] = ""
    for _, f in ipairs(mod.fields) do
      local d = join_desc(f.block.desc):gsub("\n", " ")
      local ty = f.block.type and (" " .. code(f.block.type)) or ""
      out[#out + 1] = "- **" .. prefix .. "." .. f.name .. "**" .. ty .. (d ~= "" and (" — " .. d) or "")
    end
    out[#out + 1] = ""
  end
  if #mod.classes > 0 then
    out[#out + 1] = "### Classes"
    out[#out + 1] = ""
    for _, cls in ipairs(mod.classes) do render_class(out, cls, mod) end
  end
end

local function render(groups)
  local out = {
    "# Lua API reference",
    "",
    "<!-- Generated by tools/apidoc.lua from the LuaLS annotations in stdlib/omni/. Do not edit:",
    "     run `build/omnilua lua tools/apidoc.lua` after changing an annotation. -->",
    "",
    "Generated from the `---@param` / `---@return` / `---@class` annotations of",
    "`stdlib/omni/**/*.lua` and of the `---@meta` stubs of the C modules",
    "(`stdlib/omni/meta/`) by `tools/apidoc.lua`; `tests/docs/` fails when this file",
    "is out of date. The same annotations drive editor completion: the repository's",
    "`.luarc.json` points lua-language-server at `stdlib/`. A `?` after a parameter",
    "means it may be omitted.",
    "",
  }
  for _, g in ipairs(groups) do
    local links = {}
    for _, mod in ipairs(g.modules) do links[#links + 1] = "[" .. mod.name .. "](" .. anchor(mod.name) .. ")" end
    out[#out + 1] = "- **" .. g.title .. "**: " .. table.concat(links, " · ")
  end
  out[#out + 1] = ""
  for _, g in ipairs(groups) do
    out[#out + 1] = "# " .. g.title
    out[#out + 1] = ""
    out[#out + 1] = g.intro
    out[#out + 1] = ""
    for _, mod in ipairs(g.modules) do render_module(out, mod) end
  end
  return (table.concat(out, "\n"):gsub("\n\n+", "\n\n"):gsub("\n*$", "\n"))
end

-- ------------------------------------------------------------- main --

local function parse_args(argv)
  local o = { check = false, all = false }
  local i = 1
  while i <= #argv do
    local a = argv[i]
    if a == "--check" then o.check = true
    elseif a == "--all" then o.all = true
    elseif a == "--root" or a == "--out" or a == "--allow" then
      o[a:sub(3)] = argv[i + 1] or error("apidoc: " .. a .. " needs a value", 0)
      i = i + 1
    else
      error("apidoc: unknown argument '" .. a .. "' (usage: apidoc.lua [--check] [--all] [--root DIR] [--out FILE] [--allow FILE])", 0)
    end
    i = i + 1
  end
  return o
end

local function read_allow(path)
  local allow = {}
  if not path then return allow end
  local text = assert(read(path))
  for line in text:gmatch("[^\n]+") do
    if not line:match("^%s*#") and line:match("%S") then
      local p, f, a = line:match("^%s*(%S+)%s+(%S+)%s+(%S+)")
      if p then allow[p .. " " .. f .. " " .. a] = { line = line, used = false } end
    end
  end
  return allow
end

local function main(argv)
  local o = parse_args(argv)
  -- the repository this script belongs to (the binary's root may be a build
  -- folder with a link to stdlib/)
  local here = (arg and arg[0] or "tools/apidoc.lua"):match("^(.*)/[^/]*$") or "."
  local root = o.root or assert(fs.realpath(here .. "/.."))
  local out_path = o.out or (root .. "/docs/reference/api.md")
  local files = walk(root .. "/stdlib/omni", "stdlib/omni", {})
  table.sort(files)
  local mods, by_name = {}, {}
  for _, rel in ipairs(files) do
    local mod = parse_file(rel, assert(read(root .. "/" .. rel)))
    mods[#mods + 1] = mod
    by_name[mod.name] = mod
  end
  local public, core, internal = {}, {}, {}
  for _, name in ipairs(PUBLIC_ORDER) do
    if by_name[name] then public[#public + 1] = by_name[name] end
  end
  for _, mod in ipairs(mods) do
    if mod.meta then
      core[#core + 1] = mod
    elseif not PUBLIC[mod.name] then
      internal[#internal + 1] = mod
    end
  end
  table.sort(core, function(a, b) return a.name < b.name end)
  local text = render({
    { title = "Test-writer API", modules = public,
      intro = "What test files, conftest.lua files and level files call." },
    { title = "C modules (omni.core.*, cjson)", modules = core,
      intro = "The C bindings the stdlib is built on, described by `---@meta` stubs in " ..
        "`stdlib/omni/meta/` (they are never loaded at run time). A test may use them " ..
        "directly, e.g. `omni.core.host.exe` to run omnilua again, `omni.core.clock` for " ..
        "time stamps." },
    { title = "Internals", modules = internal,
      intro = "Modules of the runner, reporters, CLI commands and drivers, for contributors. " ..
        "Their interfaces may change without notice." },
  })

  if not o.check then
    local f = assert(io.open(out_path, "wb"))
    f:write(text)
    f:close()
    print(string.format("apidoc: wrote %s (%d modules)", out_path, #mods))
    return 0
  end

  local failed = false
  local current = read(out_path)
  if current ~= text then
    failed = true
    print(string.format("apidoc: %s is out of date (run: omnilua lua tools/apidoc.lua)",
      out_path:gsub("^" .. root:gsub("%p", "%%%0") .. "/", "")))
  end
  local allow = read_allow(o.allow)
  local counts = { public = 0, internal = 0 }
  for _, mod in ipairs(mods) do
    local is_public = PUBLIC[mod.name] or mod.meta
    for _, p in ipairs(problems_of(mod)) do
      local key = p.path .. " " .. p.func .. " " .. p.param
      if allow[key] then
        allow[key].used = true
      elseif is_public or o.all then
        failed = failed or is_public
        local what = p.kind == "missing" and "no ---@param for '" .. p.param .. "'"
          or "---@param '" .. p.param .. "' names no parameter"
        print(string.format("%s:%d: %s: %s%s", p.path, p.line, p.func, what, is_public and "" or " (internal)"))
      else
        counts.internal = counts.internal + 1
      end
      if is_public then counts.public = counts.public + 1 end
    end
  end
  for _, a in pairs(allow) do
    if not a.used then
      failed = true
      print("apidoc: allowed gap is fixed, remove it from " .. o.allow .. ": " .. a.line)
    end
  end
  if counts.internal > 0 then
    print(string.format("apidoc: note: %d parameters of internal modules lack ---@param (--all lists them)",
      counts.internal))
  end
  if not failed then print("apidoc: up to date") end
  return failed and 1 or 0
end

local ok, rc = pcall(main, arg or {})
if not ok then
  io.stderr:write(tostring(rc), "\n")
  return 4
end
return rc
