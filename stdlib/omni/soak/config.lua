--- weekly.json: the stability tests of L5, loaded and validated once
--- (docs/reference/weekly-json.md). Like nightly.json, the file is a JSON
--- array of tests, each with `test_name`, `server_params` (model, stage
--- config, update/delete) and its run parameters (`soak_params`), plus
--- `thresholds`. Every problem is reported at once, each naming the file,
--- the test and the field:
---   weekly.json: test "soak_dummy" (#1): soak_params.load.concurrency: positive integer expected, got -1
local cjson = require "cjson"
local level = require "omni.level"

local M = {}

M.MODALITIES = { "text", "text_audio", "image", "audio", "video", "mixed", "image_generation", "speech", "custom" }
local MODALITY = {}
for _, m in ipairs(M.MODALITIES) do MODALITY[m] = true end

-- Threshold name -> { check(v) -> err?, default? }
M.THRESHOLDS = {
  rss_growth_mb_per_hour = "number >= 0",
  vram_growth_mb_per_hour = "number >= 0",
  p99_latency_drift_pct = "number >= 0",
  throughput_ratio_min = "number in (0, 1]",
  error_rate_max = "number in [0, 1]",
  process_restarts_max = "integer >= 0",
  confidence = "number in (0.5, 1)",
}

local KNOWN = {
  [""] = { test_name = 1, server_params = 1, soak_params = 1, thresholds = 1, description = 1 },
  server_params = { model = 1, stage_config_name = 1, update = 1, delete = 1, restart_on_death = 1,
    dummy = 1, startup_timeout = 1, command = 1, env = 1 },
  ["server_params.dummy"] = { ttft_ms = 1, itl_ms = 1, jitter_ms = 1, output_tokens = 1, fault = 1, seed = 1 },
  soak_params = { duration = 1, load = 1, mix = 1, sampling_interval = 1, window = 1, warmup = 1,
    request_timeout = 1, retries = 1, seed = 1, hooks = 1 },
  ["soak_params.load"] = { concurrency = 1, request_rate = 1, max_concurrency = 1 },
  mix = { modality = 1, weight = 1, stream = 1, max_tokens = 1, prompt = 1, name = 1 },
  thresholds = M.THRESHOLDS,
}

local function typename(v)
  if v == cjson.null then return "null" end
  if type(v) == "table" then return #v > 0 and "array" or "object" end
  return type(v)
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "table" or v == cjson.null then return typename(v) end
  return tostring(v)
end

-- Line and column of a byte offset, for JSON syntax errors.
local function line_col(text, pos)
  local line, last = 1, 0
  for i in text:sub(1, pos - 1):gmatch("()\n") do line, last = line + 1, i end
  return line, pos - last
end

--- Parses a duration ("12h", "10m", "1h30m", "90s", or seconds as a number).
---@param v any
---@return number? seconds
---@return string? err
function M.duration(v)
  if type(v) == "number" then
    if v > 0 and v < math.huge then return v end
    return nil, "positive duration expected, got " .. tostring(v)
  end
  if type(v) ~= "string" then return nil, "duration expected (\"12h\", \"10m\", \"30s\"), got " .. typename(v) end
  local s, err = level.parse_budget(v)
  if not s then return nil, (err:gsub("budget", "duration")) end
  return s
end

local function unknown_keys(t, allowed, path, add)
  if type(t) ~= "table" then return end
  for k in pairs(t) do
    if not allowed[k] then
      local names = {}
      for n in pairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      add((path ~= "" and path .. "." or "") .. tostring(k), "unknown field (known: " .. table.concat(names, ", ") .. ")")
    end
  end
end

local function validate_test(t, add, dir)
  local out = { server = {}, soak = {}, thresholds = {} }
  if type(t) ~= "table" or typename(t) == "array" then
    add("", "object expected, got " .. typename(t))
    return nil
  end
  unknown_keys(t, KNOWN[""], "", add)
  out.name = t.test_name
  out.description = t.description
  -- server_params
  local sp = t.server_params
  if type(sp) ~= "table" then
    add("server_params", sp == nil and "missing (an object with model and stage_config_name)" or "object expected, got " .. typename(sp))
    sp = {}
  end
  unknown_keys(sp, KNOWN.server_params, "server_params", add)
  for _, k in ipairs({ "model", "stage_config_name" }) do
    if type(sp[k]) ~= "string" or sp[k] == "" then
      add("server_params." .. k, sp[k] == nil and "missing" or "non-empty string expected, got " .. show(sp[k]))
    end
  end
  for _, k in ipairs({ "update", "delete" }) do
    if sp[k] ~= nil and (type(sp[k]) ~= "table" or (next(sp[k]) ~= nil and typename(sp[k]) ~= "object")) then
      add("server_params." .. k, "object expected, got " .. typename(sp[k]))
    end
  end
  if sp.restart_on_death ~= nil and type(sp.restart_on_death) ~= "boolean" then
    add("server_params.restart_on_death", "true or false expected, got " .. show(sp.restart_on_death))
  end
  if sp.command ~= nil then
    local ok = type(sp.command) == "table" and #sp.command > 0
    for _, a in ipairs(type(sp.command) == "table" and sp.command or {}) do ok = ok and type(a) == "string" end
    if not ok then add("server_params.command", "non-empty array of strings expected ({port} is replaced)") end
  end
  if sp.env ~= nil and typename(sp.env) ~= "object" and not (type(sp.env) == "table" and next(sp.env) == nil) then
    add("server_params.env", "object expected, got " .. typename(sp.env))
  end
  if sp.dummy ~= nil then
    if typename(sp.dummy) ~= "object" and not (type(sp.dummy) == "table" and next(sp.dummy) == nil) then
      add("server_params.dummy", "object expected, got " .. typename(sp.dummy))
    else
      unknown_keys(sp.dummy, KNOWN["server_params.dummy"], "server_params.dummy", add)
      for _, k in ipairs({ "ttft_ms", "itl_ms", "jitter_ms", "output_tokens", "seed" }) do
        local v = sp.dummy[k]
        if v ~= nil and (type(v) ~= "number" or v < 0) then add("server_params.dummy." .. k, "number >= 0 expected, got " .. show(v)) end
      end
      if sp.dummy.fault ~= nil and type(sp.dummy.fault) ~= "string" then
        add("server_params.dummy.fault", "string expected (\"error_rate=0.1,status=503\"), got " .. show(sp.dummy.fault))
      end
    end
  end
  local st = 600
  if sp.startup_timeout ~= nil then
    local s, e = M.duration(sp.startup_timeout)
    if not s then add("server_params.startup_timeout", e) else st = s end
  end
  out.server = {
    model = sp.model, stage_config_name = sp.stage_config_name, update = sp.update, delete = sp.delete,
    restart_on_death = sp.restart_on_death == true, dummy = sp.dummy, startup_timeout = st,
    command = sp.command, env = sp.env,
  }
  -- soak_params
  local p = t.soak_params
  if type(p) ~= "table" then
    add("soak_params", p == nil and "missing (an object with duration and load)" or "object expected, got " .. typename(p))
    p = {}
  end
  unknown_keys(p, KNOWN.soak_params, "soak_params", add)
  local soak = out.soak
  local function dur(k, default, required)
    local v = p[k]
    if v == nil then
      if required then add("soak_params." .. k, "missing (a duration such as \"12h\")") end
      return default
    end
    local s, e = M.duration(v)
    if not s then add("soak_params." .. k, e) end
    return s or default
  end
  soak.duration = dur("duration", 60, true)
  soak.sampling_interval = dur("sampling_interval", 10)
  soak.window = dur("window", 600)
  soak.request_timeout = dur("request_timeout", 300)
  soak.warmup = 0
  if p.warmup ~= nil and p.warmup ~= 0 and p.warmup ~= "0s" then soak.warmup = dur("warmup", 0) end
  if soak.sampling_interval > soak.window then
    add("soak_params.sampling_interval", string.format("must not be longer than the window (%gs > %gs)", soak.sampling_interval, soak.window))
  end
  for _, k in ipairs({ "retries", "seed" }) do
    local v = p[k]
    if v ~= nil and (math.type(v) ~= "integer" and not (type(v) == "number" and v == math.floor(v)) or v < 0) then
      add("soak_params." .. k, "integer >= 0 expected, got " .. show(v))
    end
  end
  soak.retries = math.tointeger(p.retries) or 0
  soak.seed = math.tointeger(p.seed) or 1
  -- load
  local load = p.load
  if type(load) ~= "table" or typename(load) == "array" then
    add("soak_params.load", load == nil and "missing ({\"concurrency\": N} or {\"request_rate\": R})" or "object expected, got " .. typename(load))
    load = {}
  end
  unknown_keys(load, KNOWN["soak_params.load"], "soak_params.load", add)
  if load.concurrency ~= nil and load.request_rate ~= nil then
    add("soak_params.load", "give either concurrency or request_rate, not both")
  elseif load.concurrency == nil and load.request_rate == nil and p.load ~= nil then
    add("soak_params.load", "give concurrency (requests in flight) or request_rate (requests per second)")
  end
  local function posint(k, v)
    if v ~= nil and (type(v) ~= "number" or v ~= math.floor(v) or v < 1) then
      add("soak_params.load." .. k, "positive integer expected, got " .. show(v))
      return nil
    end
    return math.tointeger(v)
  end
  soak.concurrency = posint("concurrency", load.concurrency)
  soak.max_concurrency = posint("max_concurrency", load.max_concurrency) or 256
  if load.request_rate ~= nil and (type(load.request_rate) ~= "number" or load.request_rate <= 0 or load.request_rate == math.huge) then
    add("soak_params.load.request_rate", "positive number of requests per second expected, got " .. show(load.request_rate))
  else
    soak.request_rate = load.request_rate
  end
  if load.max_concurrency ~= nil and load.concurrency ~= nil then
    add("soak_params.load.max_concurrency", "only with request_rate (concurrency already caps the requests in flight)")
  end
  -- mix
  local mix = p.mix
  if mix == nil then mix = { { modality = "text", weight = 1 } } end
  if type(mix) ~= "table" or (#mix == 0) then
    add("soak_params.mix", "non-empty array of {modality, weight} expected, got " .. typename(mix))
    mix = {}
  end
  soak.mix = {}
  local needs_hooks = false
  for i, e in ipairs(mix) do
    local path = "soak_params.mix[" .. i .. "]"
    if type(e) ~= "table" or typename(e) == "array" then
      add(path, "object expected, got " .. typename(e))
    else
      unknown_keys(e, KNOWN.mix, path, add)
      if not MODALITY[e.modality] then
        add(path .. ".modality", (e.modality == nil and "missing" or "unknown modality " .. show(e.modality))
          .. " (one of " .. table.concat(M.MODALITIES, ", ") .. ")")
      end
      if e.modality == "custom" then needs_hooks = true end
      local w = e.weight == nil and 1 or e.weight
      if type(w) ~= "number" or w <= 0 or w == math.huge then add(path .. ".weight", "positive number expected, got " .. show(e.weight)) end
      if e.stream ~= nil and type(e.stream) ~= "boolean" then add(path .. ".stream", "true or false expected, got " .. show(e.stream)) end
      if e.max_tokens ~= nil and (type(e.max_tokens) ~= "number" or e.max_tokens < 1 or e.max_tokens ~= math.floor(e.max_tokens)) then
        add(path .. ".max_tokens", "positive integer expected, got " .. show(e.max_tokens))
      end
      if e.prompt ~= nil and type(e.prompt) ~= "string" then add(path .. ".prompt", "string expected, got " .. show(e.prompt)) end
      soak.mix[#soak.mix + 1] = { modality = e.modality, weight = type(w) == "number" and w or 1,
        stream = e.stream, max_tokens = math.tointeger(e.max_tokens), prompt = e.prompt,
        name = type(e.name) == "string" and e.name or e.modality }
    end
  end
  if p.hooks ~= nil then
    if type(p.hooks) ~= "string" or p.hooks == "" then
      add("soak_params.hooks", "path of a Lua file expected, got " .. show(p.hooks))
    else
      local path = p.hooks:sub(1, 1) == "/" and p.hooks or (dir .. "/" .. p.hooks)
      local f = io.open(path, "r")
      if not f then add("soak_params.hooks", "file not found: " .. path) else f:close() end
      soak.hooks = path
    end
  elseif needs_hooks then
    add("soak_params.hooks", "missing: a \"custom\" mix entry needs hooks.request")
  end
  -- thresholds
  local th = t.thresholds
  if th ~= nil and (type(th) ~= "table" or typename(th) == "array") then
    add("thresholds", "object expected, got " .. typename(th))
    th = {}
  end
  th = th or {}
  unknown_keys(th, KNOWN.thresholds, "thresholds", add)
  for k, rule in pairs(M.THRESHOLDS) do
    local v = th[k]
    if v ~= nil then
      local ok = type(v) == "number" and v == v
      if ok then
        if k == "throughput_ratio_min" then ok = v > 0 and v <= 1
        elseif k == "error_rate_max" then ok = v >= 0 and v <= 1
        elseif k == "confidence" then ok = v > 0.5 and v < 1
        elseif k == "process_restarts_max" then ok = v >= 0 and v == math.floor(v)
        else ok = v >= 0 and v < math.huge end
      end
      if not ok then add("thresholds." .. k, rule .. " expected, got " .. show(v)) end
      out.thresholds[k] = v
    end
  end
  out.thresholds.process_restarts_max = out.thresholds.process_restarts_max or 0
  out.confidence = out.thresholds.confidence or 0.95
  out.thresholds.confidence = nil
  return out
end

--- Validates a decoded weekly.json (an array of tests).
---@param doc any
---@param file string name shown in messages
---@param dir? string folder of the file (hooks paths are relative to it)
---@return table? tests
---@return string? err every problem, one per line
---@return string? code "ECONFIG"
function M.validate(doc, file, dir)
  dir = dir or "."
  local errs = {}
  if type(doc) ~= "table" or (next(doc) ~= nil and typename(doc) ~= "array") or #doc == 0 then
    return nil, file .. ": a non-empty JSON array of tests expected, got " .. (type(doc) == "table" and #doc == 0 and next(doc) == nil and "an empty array" or typename(doc)), "ECONFIG"
  end
  local tests, seen = {}, {}
  for i, t in ipairs(doc) do
    local name = type(t) == "table" and t.test_name or nil
    local who = type(name) == "string" and string.format("test %q (#%d)", name, i) or string.format("test #%d", i)
    local function add(field, msg)
      errs[#errs + 1] = string.format("%s: %s: %s%s", file, who, field ~= "" and (field .. ": ") or "", msg)
    end
    if type(t) == "table" then
      if type(name) ~= "string" or not name:match("^[%w_.%-]+$") then
        add("test_name", name == nil and "missing" or "letters, digits, '_', '.', '-' expected, got " .. show(name))
      elseif seen[name] then
        add("test_name", string.format("duplicate (also test #%d)", seen[name]))
      else
        seen[name] = i
      end
    end
    local v = validate_test(t, add, dir)
    if v then v.index = i; tests[#tests + 1] = v end
  end
  if #errs > 0 then return nil, table.concat(errs, "\n"), "ECONFIG" end
  return tests
end

--- cjson decodes every JSON number as a float (64 -> 64.0); stage configs
--- and counts need integers, so whole numbers become integers.
---@param v any
---@return any
function M.integers(v)
  if type(v) == "number" then return math.tointeger(v) or v end
  if type(v) == "table" and v ~= cjson.null then
    for k, x in pairs(v) do v[k] = M.integers(x) end
  end
  return v
end

--- Reads and validates weekly.json.
---@param path string
---@return table? tests
---@return string? err
---@return string? code "ENOENT", "EJSON" or "ECONFIG"
function M.load(path)
  local f, e = io.open(path, "rb")
  if not f then return nil, "cannot read " .. path .. ": " .. tostring(e):gsub("^[^:]*: ", ""), "ENOENT" end
  local text = f:read("a")
  f:close()
  local ok, doc = pcall(cjson.decode, text)
  if not ok then
    local pos = tonumber(tostring(doc):match("at character (%d+)"))
    local where = pos and string.format(":%d:%d", line_col(text, pos)) or ""
    return nil, string.format("%s%s: invalid JSON: %s", path, where, tostring(doc):gsub("^.-: ", "")), "EJSON"
  end
  local dir = path:match("^(.*)/[^/]*$") or "."
  return M.validate(M.integers(doc), path, dir)
end

--- Shortens the windows of a test run for less than its configured duration
--- (`--duration`): at least 4 windows, at least 5 samples per window.
---@param soak table the validated soak_params
---@param duration number seconds
---@return table soak a copy, and a note when something was shortened
function M.scale(soak, duration)
  local s = {}
  for k, v in pairs(soak) do s[k] = v end
  s.duration = duration
  local note = {}
  if s.window > duration / 4 then
    s.window = duration / 4
    note[#note + 1] = string.format("window %gs", s.window)
  end
  if s.sampling_interval > s.window / 5 then
    s.sampling_interval = s.window / 5
    note[#note + 1] = string.format("sampling interval %gs", s.sampling_interval)
  end
  if s.warmup >= duration / 2 then
    s.warmup = 0
    note[#note + 1] = "no warm-up"
  end
  if #note > 0 then s.note = "shortened for a " .. level.format_duration(duration) .. " run: " .. table.concat(note, ", ") end
  return s
end

return M
