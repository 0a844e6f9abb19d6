--- omni.bench.nightly: loads, validates and expands a nightly.json perf
--- matrix (docs/reference/nightly-json.md). Every problem is reported with
--- the file, the test and the field; nothing runs until the whole file is valid.
---
--- ```lua
--- local tests, err = nightly.load("tests/e2e/perf/nightly.json")
--- -- tests[i] = { name, server = {model, stage_config_name, stage_config_path, update, delete, serve_args},
--- --              points = { {params = {...}, mode = "qps"|"conc", key = "0.5", baseline = {metric = number}} } }
--- ```
local cjson = require "cjson"
local result = require "omni.bench.result"
local stage_config = require "omni.stage_config"

local M = {}

-- benchmark_params keys (after '-' -> '_') and their value kinds.
M.PARAMS = {
  dataset_name = "string", num_prompts = "int", request_rate = "rate", max_concurrency = "int",
  random_input_len = "int", random_output_len = "int", random_range_ratio = "number", random_prefix_len = "int",
  input_len = "int", output_len = "int", ignore_eos = "bool", percentile_metrics = "string",
  metric_percentiles = "string_or_number", burstiness = "rate", seed = "int", num_warmups = "int",
  goodput = "string_or_list", backend = "string", endpoint = "string", modalities = "string",
  extra_body = "object", no_stream = "bool", timeout = "number", baseline = "baseline", mark = "string",
}
-- Params that may be a list (one value per sweep point).
local SWEEP = { num_prompts = true, request_rate = true, max_concurrency = true, random_input_len = true,
  random_output_len = true, burstiness = true, input_len = true, output_len = true }

local function is_list(v) return type(v) == "table" and (#v > 0 or next(v) == nil) and v ~= cjson.null end
local function is_object(v) return type(v) == "table" and not (#v > 0) end

local function kind_ok(kind, v)
  if kind == "int" then return math.type(v) == "integer" or (type(v) == "number" and v == math.floor(v)) end
  if kind == "number" then return type(v) == "number" end
  if kind == "rate" then return type(v) == "number" and v > 0 or v == "inf" end
  if kind == "string" then return type(v) == "string" end
  if kind == "bool" then return type(v) == "boolean" end
  if kind == "string_or_number" then return type(v) == "string" or type(v) == "number" end
  if kind == "string_or_list" then return type(v) == "string" or is_list(v) end
  if kind == "object" then return type(v) == "table" end
  return true
end

local KIND_TEXT = { int = "an integer", number = "a number", rate = "a number > 0 or \"inf\"", string = "a string",
  bool = "true or false", string_or_number = "a string or a number", string_or_list = "a string or a list",
  object = "an object" }

local function tname(v)
  if v == cjson.null then return "null" end
  if type(v) == "table" then return is_list(v) and "list" or "object" end
  if math.type(v) == "integer" then return "integer" end
  return type(v)
end

--- The string a baseline object is keyed by: Python's str() of the rate
--- or concurrency (1 -> "1", 0.5 -> "0.5"); "1.0" is accepted for 1 too.
---@return string[]
local function key_forms(v)
  if v == math.huge or v == "inf" then return { "inf" } end
  if v == math.floor(v) then return { string.format("%d", v), string.format("%.1f", v) } end
  return { tostring(v) }
end
M.key_forms = key_forms

--- Validates and expands decoded nightly data.
---@param data any the decoded JSON
---@param file string for messages
---@param opts? {check_paths?: boolean}
---@return table? tests, string? err
function M.expand(data, file, opts)
  opts = opts or {}
  local errs = {}
  local function bad(fmt, ...) errs[#errs + 1] = file .. ": " .. string.format(fmt, ...) end
  if type(data) == "table" and not is_list(data) and is_list(data.tests) then data = data.tests end
  if not is_list(data) then
    return nil, file .. ": expected a list of tests (or {\"tests\": [...]}), got " .. tname(data)
  end
  local tests, names = {}, {}
  for ti, t in ipairs(data) do
    local where = string.format("tests[%d]", ti)
    if not is_object(t) then bad("%s: expected an object, got %s", where, tname(t)) goto next_test end
    do
      local name = t.test_name
      if name == nil then bad("%s: missing required field 'test_name'", where) goto next_test end
      if type(name) ~= "string" or name == "" then bad("%s.test_name: expected a non-empty string, got %s", where, tname(name)) goto next_test end
      if names[name] then bad("test %s: test_name is used twice (tests[%d] and tests[%d])", name, names[name], ti) end
      names[name] = ti
      local T = "test " .. name
      local sp = t.server_params
      if sp == nil then bad("%s: missing required field 'server_params'", T) goto next_test end
      if not is_object(sp) then bad("%s: server_params: expected an object, got %s", T, tname(sp)) goto next_test end
      for _, f in ipairs({ "model", "stage_config_name" }) do
        if sp[f] == nil then bad("%s: missing required field 'server_params.%s'", T, f)
        elseif type(sp[f]) ~= "string" then bad("%s: server_params.%s: expected a string, got %s", T, f, tname(sp[f])) end
      end
      for _, f in ipairs({ "update", "delete" }) do
        if sp[f] ~= nil and not is_object(sp[f]) then bad("%s: server_params.%s: expected an object, got %s", T, f, tname(sp[f])) end
      end
      if sp.serve_args ~= nil and not is_list(sp.serve_args) then
        bad("%s: server_params.serve_args: expected a list of strings, got %s", T, tname(sp.serve_args))
      end
      local server = { model = sp.model, stage_config_name = sp.stage_config_name, update = sp.update,
        delete = sp.delete, serve_args = sp.serve_args or {}, env = sp.env }
      if type(sp.stage_config_name) == "string" then
        local path = stage_config.path(sp.stage_config_name)
        if opts.check_paths ~= false and not io.open(path, "r") then
          bad("%s: server_params.stage_config_name: stage config not found: %s (looked at %s)", T, sp.stage_config_name, path)
        else
          server.stage_config_path = path
          local cfg, err = stage_config.load(path, { validate = false })
          if cfg and (sp.update or sp.delete) then
            local _, aerr = stage_config.apply(cfg, { update = sp.update, delete = sp.delete })
            if aerr then bad("%s: server_params: %s", T, aerr) end
          elseif not cfg and opts.check_paths ~= false then
            bad("%s: server_params.stage_config_name: %s", T, err)
          end
        end
      end
      local bp = t.benchmark_params
      if bp == nil then bad("%s: missing required field 'benchmark_params'", T) goto next_test end
      if is_object(bp) then bp = { bp } end
      if not is_list(bp) or #bp == 0 then bad("%s: benchmark_params: expected a non-empty list of objects, got %s", T, tname(bp)) goto next_test end
      local test = { name = name, index = ti, server = server, points = {}, mark = t.mark }
      for bi, b in ipairs(bp) do
        local B = string.format("%s: benchmark_params[%d]", T, bi)
        if not is_object(b) then bad("%s: expected an object, got %s", B, tname(b)) goto next_block end
        do
          local params = {}
          for k, v in pairs(b) do
            local key = k:gsub("-", "_")
            local kind = M.PARAMS[key]
            if not kind then bad("%s.%s: unknown benchmark parameter", B, k)
            elseif SWEEP[key] and is_list(v) then
              if #v == 0 then bad("%s.%s: empty list", B, k) end
              for i, x in ipairs(v) do
                if not kind_ok(kind, x) then bad("%s.%s[%d]: expected %s, got %s", B, k, i, KIND_TEXT[kind], tname(x)) end
              end
              params[key] = v
            elseif kind ~= "baseline" and not kind_ok(kind, v) then
              bad("%s.%s: expected %s%s, got %s", B, k, KIND_TEXT[kind], SWEEP[key] and " or a list of them" or "", tname(v))
            else
              params[key] = v
            end
          end
          if params.num_prompts == nil then bad("%s: missing required field 'num_prompts'", B) goto next_block end
          if params.request_rate ~= nil and params.max_concurrency ~= nil then
            bad("%s: request_rate and max_concurrency are mutually exclusive (QPS mode or concurrency mode)", B)
            goto next_block
          end
          -- sweep length: every list must have the same length
          local n, first, uneven
          for k in pairs(SWEEP) do
            local v = params[k]
            if is_list(v) then
              if n and #v ~= n then
                bad("%s: %s has %d values but %s has %d (lists must have equal lengths)", B, k, #v, first, n)
                uneven = true
              elseif not n then n, first = #v, k end
            end
          end
          if uneven then goto next_block end
          n = n or 1
          local metrics, merr = result.parse_metrics(params.percentile_metrics or result.DEFAULT_METRICS)
          if not metrics then bad("%s.percentile-metrics: %s", B, merr) metrics = {} end
          local pcts, perr = result.parse_percentiles(params.metric_percentiles or result.DEFAULT_PERCENTILES)
          if not pcts then bad("%s.metric_percentiles: %s", B, perr) pcts = {} end
          local known = result.stat_keys(metrics, pcts)
          local mode = params.max_concurrency ~= nil and "conc" or "qps"
          local points = {}
          for i = 1, n do
            local pt = {}
            for k, v in pairs(params) do
              if k ~= "baseline" then
                local x = v
                if SWEEP[k] and is_list(v) then x = v[i] end
                if M.PARAMS[k] == "int" then x = math.tointeger(x) or x end
                pt[k] = x
              end
            end
            local sweep_v = mode == "conc" and pt.max_concurrency or (pt.request_rate or "inf")
            points[i] = { params = pt, mode = mode, key = key_forms(sweep_v)[1], keys = key_forms(sweep_v),
              metrics = metrics, percentiles = pcts, baseline = {}, block = bi, index = i }
          end
          local bl = params.baseline
          if bl ~= nil and not is_object(bl) then bad("%s.baseline: expected an object, got %s", B, tname(bl)) bl = nil end
          for metric, spec in pairs(bl or {}) do
            local MB = B .. ".baseline." .. metric
            if not (known[metric] or result.SCALARS[metric]) then
              local hint = ""
              local base = metric:match("^[a-z]+%d*%.?%d*_(.+)$")
              if base then hint = " (is its metric in percentile-metrics and its percentile in metric_percentiles?)" end
              bad("%s: unknown metric '%s'%s", MB, metric, hint)
            elseif type(spec) == "number" then
              for _, pt in ipairs(points) do pt.baseline[metric] = spec end
            elseif is_list(spec) then
              if #spec ~= n then bad("%s: %d values for %d sweep points", MB, #spec, n) end
              for i, pt in ipairs(points) do
                if spec[i] ~= nil and type(spec[i]) ~= "number" then bad("%s[%d]: expected a number, got %s", MB, i, tname(spec[i]))
                else pt.baseline[metric] = spec[i] end
              end
            elseif is_object(spec) then
              local used = {}
              for _, pt in ipairs(points) do
                for _, k in ipairs(pt.keys) do
                  if spec[k] ~= nil then
                    used[k] = true
                    if type(spec[k]) ~= "number" then bad("%s.%s: expected a number, got %s", MB, k, tname(spec[k]))
                    else pt.baseline[metric] = spec[k] end
                  end
                end
              end
              for k in pairs(spec) do
                if not used[k] then bad("%s.%s: no sweep point has %s %s", MB, k, mode == "conc" and "max_concurrency" or "request_rate", k) end
              end
            else
              bad("%s: expected a number, a list or an object keyed by %s, got %s", MB,
                mode == "conc" and "max_concurrency" or "request_rate", tname(spec))
            end
          end
          for _, pt in ipairs(points) do test.points[#test.points + 1] = pt end
        end
        ::next_block::
      end
      tests[#tests + 1] = test
    end
    ::next_test::
  end
  if #errs > 0 then return nil, table.concat(errs, "\n") end
  return tests
end

--- Reads and expands a nightly.json file.
---@param path string
---@param opts? {check_paths?: boolean}
---@return table? tests, string? err, string? code "ENOENT", "EJSON" or "ENIGHTLY"
function M.load(path, opts)
  local f, err = io.open(path, "r")
  if not f then return nil, "cannot read " .. path .. ": " .. tostring(err), "ENOENT" end
  local text = f:read("a")
  f:close()
  local ok, data = pcall(cjson.decode, text)
  if not ok then return nil, path .. ": invalid JSON: " .. tostring(data):gsub("^.-: ", ""), "EJSON" end
  -- Read again with the YAML loader (JSON is YAML): it keeps 64 an integer
  -- and 1.0 a float, as Python's json does; cjson makes every number a float.
  local typed = require("omni.yaml").load(text)
  if typed ~= nil then data = typed end
  local tests, e = M.expand(data, path, opts)
  if not tests then return nil, e, "ENIGHTLY" end
  return tests
end

return M
