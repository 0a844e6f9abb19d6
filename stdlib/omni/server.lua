--- omni.server: start and stop the serving engine under test (the
--- reference's OmniServer), or use one that already runs.
---
--- ```lua
--- local server = require "omni.server"
--- local s = assert(server.start{ model = "omni-dummy", stage_config = "dummy.yaml" })
--- print(s.base_url)          -- http://127.0.0.1:<free port>/v1
--- s:stop()                   -- SIGTERM to the group, grace, SIGKILL
--- ```
--- A started server also gets SIGTERM if this omnilua dies without stopping
--- it (SIGKILL, a crash): omni.proc's die_with_parent.
--- The command comes from a template. The real engine (reference §2):
---   vllm serve {model} --omni --host {host} --port {port}
---        --stage-configs-path {stage_config} --stage-init-timeout 120 {server_args}
--- overridable by opts.template or $OMNILUA_SERVE_TEMPLATE; the dummy:
---   {exe} serve-dummy --host {host} --port {port} --model {model} {server_args}
--- A failed start returns nil, a message with the reason and the last 20 lines
--- of the server log, and a code: EADDRINUSE (port taken), EDIED (exited
--- during startup), ETIMEDOUT (not ready in time), ESPAWN, ESTAGECONFIG, EMODEL.
local proc = require "omni.proc"
local http = require "omni.http"
local clock = require "omni.core.clock"
local fs = require "omni.core.fs"
local host_info = require "omni.core.host"
local cjson = require "cjson"

local M = {}

M.VLLM_TEMPLATE = { "vllm", "serve", "{model}", "--omni", "--host", "{host}", "--port", "{port}",
  "--stage-configs-path", "{stage_config}", "--stage-init-timeout", "120", "{server_args}" }
M.DUMMY_TEMPLATE = { "{exe}", "serve-dummy", "--host", "{host}", "--port", "{port}", "--model", "{model}",
  "--stage-config", "{stage_config}", "{server_args}" }
M.STARTUP_TIMEOUT = { dummy = 30, vllm = 1200 }
M.GRACE = { dummy = 5, vllm = 10 }
M.LOG_TAIL_LINES = 20

---@class omni.Server
---@field model string
---@field host string
---@field port integer
---@field url string "http://host:port"
---@field base_url string url .. "/v1", what OpenAI clients take
---@field engine string "dummy" | "vllm" | "external"
---@field external boolean true for a server omnilua did not start
---@field pid integer?
---@field log_path string?
---@field stage_config string? the stage config file the server got
---@field argv string[]? the command
---@field startup_seconds number?
---@field models string[] the served model ids
---@field notes string[]
local Server = {}
Server.__index = Server
local secrets = setmetatable({}, { __mode = "k" }) -- server -> API key, never a field
Server.__name = "omni.Server"
Server.__tostring = function(s)
  return string.format("omni.Server(%s %s at %s%s)", s.engine, s.model, s.url, s.pid and (", pid " .. s.pid) or "")
end

-- ------------------------------------------------------------- helpers --

local function shell_words(s)
  local out, i = {}, 1
  while true do
    i = s:find("%S", i)
    if not i then break end
    local word = ""
    while i <= #s and not s:sub(i, i):match("%s") do
      local c = s:sub(i, i)
      if c == "'" or c == '"' then
        local j = s:find(c, i + 1, true)
        if not j then error("OMNILUA_SERVE_TEMPLATE: unclosed " .. c .. " quote", 0) end
        word, i = word .. s:sub(i + 1, j - 1), j + 1
      else
        word, i = word .. c, i + 1
      end
    end
    out[#out + 1] = word
  end
  return out
end
M.shell_words = shell_words

--- Fills a template: {model} {host} {port} {stage_config} {exe} {root};
--- an element "{server_args}" expands to the list. Without a stage config,
--- "{stage_config}" and the flag before it are left out.
---@param template string[]|string
---@param vars table
---@return string[]
function M.expand(template, vars)
  if type(template) == "string" then template = shell_words(template) end
  local out = {}
  for _, el in ipairs(template) do
    if el == "{server_args}" then
      for _, a in ipairs(vars.server_args or {}) do out[#out + 1] = tostring(a) end
    elseif el:find("{stage_config}", 1, true) and not vars.stage_config then
      if #out > 0 and out[#out]:match("^%-%-") then out[#out] = nil end
    else
      out[#out + 1] = (el:gsub("{([%w_]+)}", function(k)
        local v = vars[k]
        if v == nil then return nil end
        return tostring(v)
      end))
    end
  end
  return out
end

local function listening_ports()
  local used = {}
  for _, f in ipairs { "/proc/net/tcp", "/proc/net/tcp6" } do
    local h = io.open(f, "r")
    if h then
      for line in h:lines() do
        local port, state = line:match("^%s*%d+:%s+%x+:(%x+)%s+%x+:%x+%s+(%x+)")
        if port then used[tonumber(port, 16)] = state end
      end
      h:close()
    end
  end
  return used
end

local picked = {}
--- A port nothing listens on (by /proc/net/tcp), in 20000..59999.
---@return integer
function M.free_port()
  local used = listening_ports()
  for _ = 1, 200 do
    local p = math.random(20000, 59999)
    if not used[p] and not picked[p] then
      picked[p] = true
      return p
    end
  end
  error("omni.server.free_port: no free port found in 200 tries", 2)
end

local function on_path(prog)
  if prog:find("/", 1, true) then return fs.stat(prog) ~= nil end
  for dir in (os.getenv("PATH") or ""):gmatch("[^:]+") do
    local st = fs.stat(dir .. "/" .. prog)
    if st and st.type == "file" then return true end
  end
  return false
end
M.on_path = on_path

--- The last n lines of a file.
---@param path string
---@param n? integer
---@return string
function M.tail(path, n)
  local f = path and io.open(path, "rb")
  if not f then return "(no log)" end
  local size = f:seek("end")
  f:seek("set", math.max(0, size - 64 * 1024))
  local text = f:read("a")
  f:close()
  local lines = {}
  for l in text:gmatch("[^\n]*") do lines[#lines + 1] = l end
  while #lines > 0 and lines[#lines] == "" do lines[#lines] = nil end
  local from = math.max(1, #lines - (n or M.LOG_TAIL_LINES) + 1)
  if #lines == 0 then return "(the log is empty)" end
  return table.concat(lines, "\n", from)
end

local function get(url, timeout)
  return http.request { url = url, timeout = timeout or 2, connect_timeout = math.min(timeout or 2, 1), api_key = false }
end

--- Checks /health then /v1/models; returns the model ids or nil, why.
local function probe(url, api_key)
  local r, err, code = get(url .. "/health")
  if not r then return nil, err, code end
  if r.status ~= 200 then return nil, string.format("GET %s/health: HTTP %d", url, r.status), "HTTP_STATUS" end
  local m, merr, mcode = http.request { url = url .. "/v1/models", timeout = 5, connect_timeout = 1, api_key = api_key }
  if not m then return nil, merr, mcode end
  if m.status ~= 200 then
    return nil, string.format("GET %s/v1/models: HTTP %d: %s", url, m.status, m.body:sub(1, 200)), "HTTP_STATUS"
  end
  local ok, doc = pcall(cjson.decode, m.body)
  if not ok or type(doc) ~= "table" or type(doc.data) ~= "table" then
    return nil, string.format("GET %s/v1/models: not a model list: %s", url, m.body:sub(1, 200)), "BAD_JSON"
  end
  local ids = {}
  for _, x in ipairs(doc.data) do if type(x) == "table" and type(x.id) == "string" then ids[#ids + 1] = x.id end end
  return ids
end

local function contains(list, x)
  for _, v in ipairs(list) do if v == x then return true end end
  return false
end

-- ------------------------------------------------------- stage configs --

--- The engine a server param means: "dummy" for the built-in dummy model,
--- else "vllm".
---@param param table
---@return string
function M.engine_of(param)
  if param.engine then return param.engine end
  local sc = param.stage_config and tostring(param.stage_config):match("([^/]+)$")
  if param.model == "omni-dummy" or sc == "dummy.yaml" then return "dummy" end
  return "vllm"
end

local LOAD_FORMAT_STAGES = { 0, 1, 2 }

local function add_delete(ops, id, path)
  ops.delete = ops.delete or {}
  ops.delete.stage_args = ops.delete.stage_args or {}
  local sa = ops.delete.stage_args
  for k, list in pairs(sa) do
    if tonumber(k) == id then
      list[#list + 1] = path
      return
    end
  end
  sa[id] = { path }
end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deep_copy(x) end
  return setmetatable(t, getmetatable(v))
end

--- The stage config file the server gets: the param's (or $OMNILUA_STAGE_CONFIG),
--- with the param's update/delete and, under advanced_model, without
--- engine_args.load_format in stages 0-2 (so real weights load), as the
--- reference does. Edits go through omni.stage_config.
---@return string? path, string? err
function M.stage_config_for(param, run_level)
  local name = param.stage_config
  if not name then return nil end
  local sc = require "omni.stage_config"
  local path = sc.path(name)
  local config, err = sc.load(path, { validate = false })
  if not config then return nil, err end
  local ops = { update = deep_copy(param.update), delete = deep_copy(param.delete) }
  if run_level == "advanced_model" then
    local present = {}
    for _, st in ipairs(config.stage_args or {}) do
      if type(st) == "table" and st.stage_id ~= nil then present[tonumber(st.stage_id)] = st end
    end
    for _, id in ipairs(LOAD_FORMAT_STAGES) do
      local st = present[id]
      if st and type(st.engine_args) == "table" and st.engine_args.load_format ~= nil then
        add_delete(ops, id, "engine_args.load_format")
      end
    end
  end
  if not ops.update and not ops.delete then return path end
  return sc.write_modified(path, ops, { validate = false })
end

-- ------------------------------------------------------------- external --

local function split_url(url)
  url = url:gsub("/+$", ""):gsub("/v1$", "")
  local host, port = url:match("^https?://([^/:]+):?(%d*)")
  return url, host, tonumber(port) or (url:match("^https") and 443 or 80)
end

--- Uses a server that already runs (`--server URL`, $OMNILUA_SERVER): checks
--- /health and /v1/models. If param.model is not served, a dummy param takes
--- the server's first model (the dummy suites test whatever is served); any
--- other fails with code EMODEL.
---@param url string
---@param param? table
---@param opts? {api_key?: string}
---@return omni.Server? server, string? err, string? code
function M.connect(url, param, opts)
  param, opts = param or {}, opts or {}
  local base, host, port = split_url(url)
  local models, err, code = probe(base, opts.api_key)
  if not models then return nil, "server " .. base .. " is not usable: " .. err, code end
  local s = setmetatable({ host = host, port = port, url = base, base_url = base .. "/v1", engine = "external",
    external = true, models = models, notes = {}, model = param.model }, Server)
  if not s.model or not contains(models, s.model) then
    if (s.model == nil or M.engine_of(param) == "dummy") and models[1] then
      if s.model then
        s.notes[#s.notes + 1] = string.format("%s does not serve %s; using its model %s", base, s.model, models[1])
      end
      s.model = models[1]
    else
      return nil, string.format("server %s serves [%s], not %s", base, table.concat(models, ", "), tostring(s.model)), "EMODEL"
    end
  end
  return s
end

-- ---------------------------------------------------------------- start --

local dummy_flags
local function dummy_knows(flag)
  if dummy_flags == nil then
    local r = proc.run({ host_info.exe, "serve-dummy", "--help" }, { timeout = 10 })
    dummy_flags = r and r.stdout or ""
  end
  return dummy_flags:find(flag, 1, true) ~= nil
end

local function template_for(engine, opts)
  if opts.template then return opts.template end
  if engine == "dummy" then
    local t = {}
    for _, el in ipairs(M.DUMMY_TEMPLATE) do t[#t + 1] = el end
    if not dummy_knows("--stage-config") then -- older dummies take no stage config
      for i = #t, 1, -1 do
        if t[i] == "{stage_config}" then table.remove(t, i); table.remove(t, i - 1) end
      end
    end
    return t
  end
  local env = os.getenv("OMNILUA_SERVE_TEMPLATE")
  if env and env ~= "" then return env end
  return M.VLLM_TEMPLATE
end

local function failure(s, p, why, code)
  local msg = string.format("%s server for %s (%s) %s\ncommand: %s\nlast %d lines of %s:\n%s",
    s.engine, s.model, s.url, why, table.concat(s.argv, " "), M.LOG_TAIL_LINES, s.log_path, M.tail(s.log_path))
  if p then p:stop(1) end
  return nil, http.mask(msg, secrets[s]), code
end

local function port_answers(host, port)
  local r, _, code = get(string.format("http://%s:%d/health", host, port), 1)
  if r then return true end
  return code ~= "ECONNREFUSED"
end

local function wait_ready(s, p, timeout, poll)
  local t0 = clock.now_ns()
  local deadline = t0 + timeout * 1e9
  local last = "no answer yet"
  while true do
    if not p:alive() then
      local log = M.tail(s.log_path, 200)
      local why = p.code and ("exited with code " .. p.code) or ("was killed by signal " .. tostring(p.signal))
      if log:find("Address already in use", 1, true) or log:find("EADDRINUSE", 1, true) then
        return failure(s, nil, string.format("%s during startup: port %d is taken", why, s.port), "EADDRINUSE")
      end
      return failure(s, nil, string.format("%s during startup (after %.1f s)", why, (clock.now_ns() - t0) / 1e9), "EDIED")
    end
    local models, err = probe(s.url, secrets[s])
    if models then
      s.models = models
      if not contains(models, s.model) then
        return failure(s, p, string.format("serves [%s], not %s", table.concat(models, ", "), s.model), "EMODEL")
      end
      s.startup_seconds = (clock.now_ns() - t0) / 1e9
      return s
    end
    last = err
    local now = clock.now_ns()
    if now >= deadline then
      return failure(s, p, string.format("was not ready within %g s (last check: %s)", timeout, last), "ETIMEDOUT")
    end
    p:wait(math.min(poll, (deadline - now) / 1e9)) -- returns at once if the server exits
  end
end

--- Starts a server and waits until /health answers 200 and /v1/models
--- lists the model. param: model, stage_config, server_args, env, update,
--- delete, engine ("dummy" | "vllm"), template, port, host,
--- startup_timeout. opts: run_level, log_dir, api_key (for /v1/models),
--- cwd, grace, die_with_parent (omni.proc.spawn's option; default true:
--- the server gets SIGTERM when the omnilua that started it dies, SIGKILL
--- included; false lets it outlive omnilua).
---@param param table
---@param opts? table
---@return omni.Server? server, string? err, string? code
function M.start(param, opts)
  if type(param) ~= "table" then error("bad argument #1 to 'start' (table expected, got " .. type(param) .. ")", 2) end
  if type(param.model) ~= "string" then error("omni.server.start: param.model must be a string", 2) end
  opts = opts or {}
  local engine = M.engine_of(param)
  local stage_config, serr = M.stage_config_for(param, opts.run_level)
  if serr then return nil, "stage config for " .. param.model .. ": " .. serr, "ESTAGECONFIG" end
  local tries = param.port and 1 or 3
  local last_err, last_code
  for _ = 1, tries do
    local s, err, code = M.start_once(param, opts, engine, stage_config)
    if s or code ~= "EADDRINUSE" then return s, err, code end
    last_err, last_code = err, code -- a race for a free port: pick another
  end
  return nil, last_err, last_code
end

function M.start_once(param, opts, engine, stage_config)
  local host = param.host or "127.0.0.1"
  local port = param.port or M.free_port()
  local dir = opts.log_dir or ((os.getenv("TMPDIR") or "/tmp") .. "/omnilua-servers")
  assert(fs.mkdir(dir))
  local safe = param.model:gsub("[^%w%.%-]", "_")
  local s = setmetatable({
    model = param.model, host = host, port = port, url = string.format("http://%s:%d", host, port),
    engine = engine, external = false, stage_config = stage_config, notes = {}, models = {},
    log_path = string.format("%s/%s-%s-%d.log", dir, engine, safe, port),
    grace = opts.grace or param.grace or M.GRACE[engine] or 10,
  }, Server)
  s.base_url = s.url .. "/v1"
  secrets[s] = opts.api_key
  s.argv = M.expand(param.template or template_for(engine, opts), {
    model = param.model, host = host, port = port, stage_config = stage_config,
    exe = host_info.exe, root = host_info.root, server_args = param.server_args,
  })
  local log = io.open(s.log_path, "wb")
  if log then log:write("# ", table.concat(s.argv, " "), "\n"); log:close() end
  if port_answers(host, port) then
    return failure(s, nil, string.format("cannot start: port %d is taken by another process", port), "EADDRINUSE")
  end
  local env = { VLLM_WORKER_MULTIPROC_METHOD = engine ~= "dummy" and "spawn" or nil }
  for k, v in pairs(param.env or {}) do env[k] = tostring(v) end
  -- A server a test or a soak started must not outlive it, even when the
  -- omnilua that started it is SIGKILLed (no handler, no stop()): the leader
  -- gets SIGTERM then and stops its own workers (KILL would orphan them).
  -- Nothing here is meant to outlive its omnilua: a soak's --resume starts a
  -- new server and never reattaches to the old one.
  local die = opts.die_with_parent
  if die == nil then die = true end
  local p, err = proc.spawn(s.argv, { stdout = s.log_path, stderr = s.log_path, append = true, env = env,
    cwd = opts.cwd, new_group = true, die_with_parent = die })
  if not p then return failure(s, nil, "could not be started: " .. tostring(err), "ESPAWN") end
  s.proc, s.pid = p, p.pid
  local timeout = param.startup_timeout or opts.startup_timeout or M.STARTUP_TIMEOUT[engine] or 1200
  return wait_ready(s, p, timeout, engine == "dummy" and 0.05 or 2)
end

--- True while the server process runs (always true for an external server).
---@return boolean
function Server:alive()
  if self.external then return true end
  return self.proc ~= nil and self.proc:alive()
end

--- The last lines of the server log.
---@param n? integer
---@return string
function Server:log_tail(n) return M.tail(self.log_path, n) end

--- Stops the server: SIGTERM to its process group, `grace` seconds, then
--- SIGKILL to the group. Does nothing for an external server or twice.
---@param grace? number
---@return integer? code, integer|string? signal
function Server:stop(grace)
  if self.external or not self.proc then return nil end
  local code, sig = self.proc:stop(grace or self.grace)
  self.stopped = true
  return code, sig
end

return M
