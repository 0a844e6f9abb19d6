--- omni.stage_config: the stage config model of the serving engine under test
--- (the YAML that `--stage-configs-path` names) and the `update`/`delete`
--- edits of nightly.json / the omni_server fixture, implemented once.
---
--- ```lua
--- local sc = require "omni.stage_config"
--- local path = assert(sc.write_modified(sc.path("qwen3_omni_ci.yaml"), {
---   update = { async_chunk = true, stage_args = { ["0"] = { ["engine_args.max_model_len"] = 8192 } } },
---   delete = { stage_args = { ["2"] = { "custom_process_input_func" } } },
--- }))   -- a new file <base>_<unix_ts>.yaml in a temp folder; the original is untouched
--- ```
---
--- Rules (the reference's `modify_stage_config`, see docs/reference/yaml-and-stage-configs.md):
--- deletes first, then updates; `stage_args` entries are addressed by their
--- `stage_id` value; paths are dotted; a numeric part indexes a list (0-based)
--- and lists grow as needed; missing tables are created; top-level dotted
--- keys are paths, plain keys are set directly; in deletes `key = yaml.null`
--- (or `cjson.null`) removes a top-level key.
local yaml = require "omni.yaml"

local M = {}

local null = yaml.null
local CODE = "ESTAGECONFIG"

-- ---------------------------------------------------------------- helpers --

local function is_digits(s) return type(s) == "string" and s:match("^%d+$") ~= nil end

local function is_list(t) -- a non-empty sequence, or an empty table not marked as a mapping
  if getmetatable(t) == yaml.mapping_mt then return false end
  local n = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 then return false end
    n = n + 1
  end
  return n == #t
end

local function split(path)
  local parts = {}
  for part in (path .. "."):gmatch("(.-)%.") do parts[#parts + 1] = part end
  return parts
end

local function deep_copy(v, seen)
  if type(v) ~= "table" then return v end
  seen = seen or {}
  if seen[v] then return seen[v] end
  local t = setmetatable({}, getmetatable(v))
  seen[v] = t
  for k, x in pairs(v) do t[deep_copy(k, seen)] = deep_copy(x, seen) end
  return t
end

local function kind_name(v)
  if v == null then return "null" end
  if type(v) == "table" then return is_list(v) and "list" or "table" end
  return type(v)
end

-- Paths in a deterministic order (Lua tables have none): parents before
-- children, so { engine_args = {...}, ["engine_args.x"] = 1 } replaces, then sets.
local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local sa, sb = tostring(a), tostring(b)
    local da, db = select(2, sa:gsub("%.", "")), select(2, sb:gsub("%.", ""))
    if da ~= db then return da < db end
    return sa < sb
  end)
  return keys
end

-- A stage id from YAML or JSON as an integer: 0, 0.0 and "0" are all 0.
local function to_stage_id(v)
  if math.type(v) == "integer" then return v end
  if math.type(v) == "float" and v == math.floor(v) then return math.tointeger(v) end
  if type(v) == "string" and v:match("^%s*[-+]?%d+%s*$") then return math.tointeger(tonumber(v)) end
  return nil
end

local function stage_key(config) return config.stages ~= nil and "stages" or "stage_args" end

local function find_stage(config, id, where)
  local want = to_stage_id(id)
  if want == nil then
    error({ msg = string.format("%s: stage id %q is not an integer", where, tostring(id)) })
  end
  local stages = config[stage_key(config)]
  if type(stages) ~= "table" or next(stages) == nil then
    error({ msg = where .. ": stage_args does not exist in config" })
  end
  local ids = {}
  for _, stage in ipairs(stages) do
    if type(stage) == "table" then
      if to_stage_id(stage.stage_id) == want then return stage end
      ids[#ids + 1] = tostring(stage.stage_id)
    end
  end
  error({ msg = string.format("%s: no stage with stage_id %s (stage ids: %s)", where,
    tostring(id), table.concat(ids, ", ")) })
end

-- ------------------------------------------------------- update / delete --

-- Sets value at a dotted path below root (the reference's apply_update).
-- An empty table not marked as a mapping counts as a list for a numeric
-- part and as a mapping otherwise.
local function set_path(root, path, value, where)
  if not path:find(".", 1, true) then
    root[path] = value
    return
  end
  local keys = split(path)
  local current = root
  local function fail(i, why)
    error({ msg = string.format("%s: cannot set %s: %s %s", where, path,
      i == 1 and "(root)" or table.concat(keys, ".", 1, i - 1), why) })
  end
  for i = 1, #keys do
    local key, last = keys[i], i == #keys
    if type(current) ~= "table" then fail(i, "is a " .. kind_name(current) .. ", not a table") end
    local slot
    if is_digits(key) and is_list(current) then
      slot = tonumber(key) + 1 -- 0-based in the path
      while #current < slot - 1 do current[#current + 1] = null end -- lists grow as needed
    elseif not is_list(current) or next(current) == nil then
      slot = key
    else
      fail(i, string.format("is a list and %q is not an index", key))
    end
    if last then
      current[slot] = value
    else
      if type(current[slot]) ~= "table" then -- missing (or a scalar): a new list or mapping
        current[slot] = {}
      end
      current = current[slot]
    end
  end
end

-- Removes the value at a dotted path below root (the reference's delete_by_path):
-- a missing parent is an error, a missing last key is not (nothing to delete).
local function delete_path(root, path, where)
  if path == "" then return end
  local keys = split(path)
  local current = root
  for i = 1, #keys - 1 do
    local key = keys[i]
    local so_far = table.concat(keys, ".", 1, i)
    if type(current) == "table" and is_digits(key) and is_list(current) and next(current) then
      local index = tonumber(key) + 1
      if index > #current then
        error({ msg = string.format("%s: cannot delete %s: list index %s out of bounds", where,
          path, key) })
      end
      current = current[index]
    elseif type(current) == "table" and not is_list(current) then
      if current[key] == nil then
        error({ msg = string.format("%s: cannot delete %s: %s does not exist", where, path, so_far) })
      end
      current = current[key]
    else
      error({ msg = string.format("%s: cannot delete %s: %s is a %s", where, path,
        table.concat(keys, ".", 1, i - 1), kind_name(current)) })
    end
  end
  local last = keys[#keys]
  if type(current) ~= "table" then return end
  if is_digits(last) and is_list(current) and next(current) then
    local index = tonumber(last) + 1
    if index > #current then
      error({ msg = string.format("%s: cannot delete %s: list index %s out of bounds", where, path, last) })
    end
    table.remove(current, index)
  elseif not is_list(current) then
    current[last] = nil
  end
end

local function apply_deletes(config, deletes)
  for _, key in ipairs(sorted_keys(deletes)) do
    local value = deletes[key]
    local where = "delete." .. tostring(key)
    if key == "stage_args" or key == "stages" then
      if type(value) ~= "table" then
        error({ msg = where .. ": expected a table of stage_id -> list of paths, got " .. kind_name(value) })
      end
      for _, id in ipairs(sorted_keys(value)) do
        local paths = value[id]
        local w = where .. "." .. tostring(id)
        if type(paths) == "string" then paths = { paths } end
        if type(paths) ~= "table" then
          error({ msg = w .. ": expected a list of dotted paths, got " .. kind_name(paths) })
        end
        if next(paths) ~= nil then
          local stage = find_stage(config, id, w)
          for _, p in ipairs(paths) do
            if type(p) ~= "string" then error({ msg = w .. ": a path must be a string, got " .. kind_name(p) }) end
            delete_path(stage, p, w)
          end
        end
      end
    elseif type(key) == "string" and key:find(".", 1, true) then
      delete_path(config, key, "delete")
    elseif value == null then
      config[key] = nil
    else
      error({ msg = where .. ": a top-level key is deleted with null (yaml.null or cjson.null), got "
        .. kind_name(value) })
    end
  end
end

local function apply_updates(config, updates)
  for _, key in ipairs(sorted_keys(updates)) do
    local value = updates[key]
    local where = "update." .. tostring(key)
    if key == "stage_args" or key == "stages" then
      if type(value) ~= "table" then
        error({ msg = where .. ": expected a table of stage_id -> {path = value}, got " .. kind_name(value) })
      end
      for _, id in ipairs(sorted_keys(value)) do
        local w = where .. "." .. tostring(id)
        local edits = value[id]
        if type(edits) ~= "table" then
          error({ msg = w .. ": expected a table of path = value, got " .. kind_name(edits) })
        end
        local stage = find_stage(config, id, w)
        for _, p in ipairs(sorted_keys(edits)) do
          if type(p) ~= "string" then error({ msg = w .. ": a path must be a string" }) end
          set_path(stage, p, deep_copy(edits[p]), w)
        end
      end
    elseif type(key) == "string" then
      set_path(config, key, deep_copy(value), "update") -- dotted: a path; plain: set directly
    else
      error({ msg = where .. ": a top-level key must be a string" })
    end
  end
end

--- Applies `delete` then `update` to a copy of config (config is not changed).
--- Stage ids may be integers or strings ("0" from JSON): both address the
--- stage whose `stage_id` is 0. (The reference compares a JSON string key to
--- the integer stage_id; omnilua converts both sides to integers.)
---@param config table a loaded stage config
---@param ops {update?: table, delete?: table}
---@return table? config the edited copy
---@return string? err names the operation and path, e.g. "update.stage_args.7: no stage with stage_id 7 (stage ids: 0, 1, 2)"
---@return string? code "ESTAGECONFIG"
function M.apply(config, ops)
  if type(config) ~= "table" then error("bad argument #1 to 'apply' (table expected, got " .. type(config) .. ")", 2) end
  if type(ops) ~= "table" then error("bad argument #2 to 'apply' (table expected, got " .. type(ops) .. ")", 2) end
  for k in pairs(ops) do
    if k ~= "update" and k ~= "delete" then
      error("bad argument #2 to 'apply' (unknown operation '" .. tostring(k) .. "'; expected update or delete)", 2)
    end
  end
  local copy = deep_copy(config)
  local ok, err = pcall(function()
    if ops.delete ~= nil and ops.delete ~= null then
      if type(ops.delete) ~= "table" then error({ msg = "delete: expected a table, got " .. kind_name(ops.delete) }) end
      apply_deletes(copy, ops.delete)
    end
    if ops.update ~= nil and ops.update ~= null then
      if type(ops.update) ~= "table" then error({ msg = "update: expected a table, got " .. kind_name(ops.update) }) end
      apply_updates(copy, ops.update)
    end
  end)
  if not ok then
    if type(err) == "table" and err.msg then return nil, err.msg, CODE end
    error(err, 0)
  end
  return copy
end

-- ------------------------------------------------------------- validate --

local enums = {
  stage_type = { llm = true, diffusion = true },
  worker_type = { ar = true, generation = true },
  engine_output_type = { latent = true, audio = true, text = true, image = true },
  final_output_type = { text = true, audio = true, image = true },
}

local function enum_text(set)
  local names = {}
  for k in pairs(set) do names[#names + 1] = k end
  table.sort(names)
  return table.concat(names, "|")
end

--- Checks the structure the engine expects. All problems are reported at once.
---@param config any
---@param name? string file name shown in messages
---@return true? ok
---@return string? err "name: invalid stage config:\n  stage_args[2] (stage_id 1): ..."
---@return string? code "ESTAGECONFIG"
function M.validate(config, name)
  local problems = {}
  local function bad(where, fmt, ...) problems[#problems + 1] = where .. ": " .. string.format(fmt, ...) end
  local function check_enum(where, t, field)
    local v = t[field]
    if v ~= nil and (type(v) ~= "string" or not enums[field][v]) then
      bad(where .. "." .. field, "expected %s, got %s", enum_text(enums[field]), tostring(v))
    end
  end
  local function check_int(where, t, field, min)
    local v = t[field]
    if v ~= nil and (math.type(v) ~= "integer" or v < min) then
      bad(where .. "." .. field, "expected an integer >= %d, got %s", min, tostring(v))
    end
  end
  local function check_table(where, v)
    if v ~= nil and (type(v) ~= "table" or (is_list(v) and next(v))) then
      bad(where, "expected a mapping, got %s", kind_name(v))
      return false
    end
    return v ~= nil
  end

  if type(config) ~= "table" or (is_list(config) and next(config)) then
    bad("(root)", "expected a mapping with stage_args, got %s", kind_name(config))
  else
    local key = stage_key(config)
    local stages = config[key]
    if config.async_chunk ~= nil and type(config.async_chunk) ~= "boolean" then
      bad("async_chunk", "expected true or false, got %s", tostring(config.async_chunk))
    end
    if type(stages) ~= "table" or not is_list(stages) or next(stages) == nil then
      bad(key, "expected a non-empty list of stages, got %s", stages == nil and "nothing" or kind_name(stages))
    else
      local ids, finals = {}, 0
      for i, stage in ipairs(stages) do
        local where = string.format("%s[%d]", key, i)
        if type(stage) ~= "table" or is_list(stage) then
          bad(where, "expected a mapping, got %s", kind_name(stage))
        elseif math.type(stage.stage_id) ~= "integer" or stage.stage_id < 0 then
          bad(where .. ".stage_id", "expected an integer >= 0, got %s", tostring(stage.stage_id))
        elseif ids[stage.stage_id] then
          bad(where .. ".stage_id", "duplicate stage_id %d (also %s[%d])", stage.stage_id, key, ids[stage.stage_id])
        else
          ids[stage.stage_id] = i
        end
      end
      for i, stage in ipairs(stages) do
        if type(stage) == "table" and not is_list(stage) then
          local where = string.format("%s[%d] (stage_id %s)", key, i, tostring(stage.stage_id))
          check_enum(where, stage, "stage_type")
          if check_table(where .. ".runtime", stage.runtime) then
            local d = stage.runtime.devices
            if d ~= nil and type(d) ~= "string" and math.type(d) ~= "integer" then
              bad(where .. ".runtime.devices", "expected a string such as \"0,1\", got %s", kind_name(d))
            end
            check_int(where .. ".runtime", stage.runtime, "max_batch_size", 1)
          end
          if check_table(where .. ".engine_args", stage.engine_args) then
            local ea = stage.engine_args
            check_enum(where .. ".engine_args", ea, "worker_type")
            check_enum(where .. ".engine_args", ea, "engine_output_type")
            check_int(where .. ".engine_args", ea, "tensor_parallel_size", 1)
            local g = ea.gpu_memory_utilization
            if g ~= nil and (type(g) ~= "number" or g <= 0 or g > 1) then
              bad(where .. ".engine_args.gpu_memory_utilization", "expected a number in (0, 1], got %s", tostring(g))
            end
          end
          local src = stage.engine_input_source
          if src ~= nil then
            if type(src) ~= "table" or not is_list(src) then
              bad(where .. ".engine_input_source", "expected a list of stage ids, got %s", kind_name(src))
            else
              for _, id in ipairs(src) do
                if math.type(id) ~= "integer" or not ids[id] then
                  bad(where .. ".engine_input_source", "refers to stage %s, which does not exist", tostring(id))
                elseif id == stage.stage_id then
                  bad(where .. ".engine_input_source", "a stage cannot take its own output (%d)", id)
                end
              end
            end
          end
          if stage.final_output ~= nil and type(stage.final_output) ~= "boolean" then
            bad(where .. ".final_output", "expected true or false, got %s", tostring(stage.final_output))
          end
          check_enum(where, stage, "final_output_type")
          if stage.final_output == true then
            finals = finals + 1
            if stage.final_output_type == nil then
              bad(where .. ".final_output_type", "required when final_output is true (text|audio|image)")
            end
          end
          if check_table(where .. ".default_sampling_params", stage.default_sampling_params) then
            local sp = stage.default_sampling_params
            for _, f in ipairs({ "temperature", "top_p" }) do
              if sp[f] ~= nil and type(sp[f]) ~= "number" then
                bad(where .. ".default_sampling_params." .. f, "expected a number, got %s", kind_name(sp[f]))
              end
            end
            check_int(where .. ".default_sampling_params", sp, "max_tokens", 1)
            for _, f in ipairs({ "top_k", "seed" }) do
              if sp[f] ~= nil and math.type(sp[f]) ~= "integer" then
                bad(where .. ".default_sampling_params." .. f, "expected an integer, got %s", tostring(sp[f]))
              end
            end
          end
        end
      end
      if finals == 0 and #problems == 0 then
        bad(key, "no stage has final_output: true, so the deployment answers nothing")
      end
    end
  end
  if #problems == 0 then return true end
  return nil, string.format("%s: invalid stage config:\n  %s", name or "<config>",
    table.concat(problems, "\n  ")), CODE
end

-- ------------------------------------------------------------ files --

--- The path of a shipped stage config: `name` itself when it exists (or is
--- absolute), else `<omnilua root>/stage_configs/<name>`.
---@param name string e.g. "dummy.yaml"
---@return string path
function M.path(name)
  assert(type(name) == "string", "bad argument #1 to 'path' (string expected)")
  if name:sub(1, 1) == "/" then return name end
  local f = io.open(name, "rb")
  if f then f:close() return name end
  return require("omni.core.host").root .. "/stage_configs/" .. name
end

--- Loads a stage config file and (unless opts.validate is false) validates it.
---@param path string
---@param opts? {validate?: boolean}
---@return table? config
---@return string? err names the file (and line:column for YAML errors)
---@return string? code "ENOENT", "EYAML" or "ESTAGECONFIG"
function M.load(path, opts)
  local config, err, code = yaml.load_file(path)
  if config == nil then return nil, err, code end
  if not (opts and opts.validate == false) then
    local ok, verr, vcode = M.validate(config, path)
    if not ok then return nil, verr, vcode end
  end
  return config
end

local function default_dir()
  return (os.getenv("TMPDIR") or "/tmp") .. "/omnilua-stage-configs"
end

--- Loads `path`, applies ops, validates the result and writes it to
--- `<dir>/<base>_<unix_ts>.yaml` (dir: opts.dir, default
--- `$TMPDIR/omnilua-stage-configs`; `_<n>` is added when that name is taken).
--- The original file is untouched.
---@param path string the stage config to start from
---@param ops {update?: table, delete?: table}
---@param opts? {dir?: string, validate?: boolean}
---@return string? new_path
---@return string? err
---@return string? code "ENOENT", "EYAML", "ESTAGECONFIG" or "EIO"
function M.write_modified(path, ops, opts)
  if type(ops) ~= "table" then error("bad argument #2 to 'write_modified' (table expected, got " .. type(ops) .. ")", 2) end
  opts = opts or {}
  local config, err, code = yaml.load_file(path)
  if config == nil then return nil, err, code end
  local edited
  edited, err, code = M.apply(config, ops)
  if not edited then return nil, path .. ": " .. err, code end
  if opts.validate ~= false then
    local ok, verr, vcode = M.validate(edited, path .. " (after update/delete)")
    if not ok then return nil, verr, vcode end
  end
  local dir = opts.dir or default_dir()
  local okdir, derr = require("omni.core.fs").mkdir(dir)
  if not okdir then return nil, derr, "EIO" end
  local base = path:match("([^/]+)$"):gsub("%.ya?ml$", "")
  local stamp = os.time()
  local out = string.format("%s/%s_%d.yaml", dir, base, stamp)
  local n = 0
  while true do -- several edits within one second must not overwrite each other
    local f = io.open(out, "rb")
    if not f then break end
    f:close()
    n = n + 1
    out = string.format("%s/%s_%d_%d.yaml", dir, base, stamp, n)
  end
  local okw, werr, wcode = yaml.dump_file(out, edited)
  if not okw then return nil, werr, wcode end
  return out
end

return M
