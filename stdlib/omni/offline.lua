--- omni.offline: offline (batch) inference, the reference's OmniRunner.
--- A batch command, from a template per model, reads a JSONL prompts file
--- and writes one folder of outputs; the outputs are checked with the same
--- checks as online answers (omni.openai.checks).
---
--- ```lua
--- local offline = require "omni.offline"
--- local runner = assert(offline.new({ model = "omni-dummy", stage_config = "dummy.yaml" }, { run_level = "core_model" }))
--- local out = runner:send_request({ prompts = { "What is the capital of China?" },
---   images = { media.image{} }, modalities = { "text", "audio" } })
--- print(out[1].text, out[1].audio_duration)
--- ```
--- The batch contract (the dummy's `serve-dummy --offline`, see
--- docs/reference/dummy-server.md): each prompts line is {"id", "messages"
--- (OpenAI chat format), "modalities", "max_tokens"?}; the command writes
--- <out>/outputs.jsonl with one {"id", "text", "audio_file"?, "transcript"?,
--- "prompt_tokens"?, "completion_tokens"?} per prompt (audio files relative
--- to <out>). Templates: the dummy's is built in; a real engine's comes from
--- param.template or $OMNILUA_OFFLINE_TEMPLATE, with {model} {stage_config}
--- {prompts} {out} {exe} {root} and an element {server_args}.
local server = require "omni.server"
local proc = require "omni.proc"
local fs = require "omni.core.fs"
local host = require "omni.core.host"
local cjson = require "cjson"
local parse = require "omni.openai.chat_parse"
local checks = require "omni.openai.checks"
local excerpt = require "omni.openai.excerpt"
local verdict = require "omni.openai.verdict"

local M = {}

M.DUMMY_TEMPLATE = { "{exe}", "serve-dummy", "--offline", "--prompts", "{prompts}", "--out", "{out}",
  "--model", "{model}", "{server_args}" }
M.TIMEOUT = { dummy = 60, vllm = 1800 }

---@class omni.offline.Runner
---@field model string
---@field engine string
---@field stage_config string?
---@field run_level string
---@field work_dir string where prompts and outputs of each batch go
local Runner = {}
Runner.__index = Runner
Runner.__name = "omni.offline.Runner"
Runner.__tostring = function(r) return string.format("omni.offline.Runner(%s %s)", r.engine, r.model) end

--- A runner for one model. param: model, stage_config, engine, template,
--- server_args, env, update, delete, timeout. opts: run_level, work_dir.
--- A real engine without a template returns nil, why, "ENOENGINE".
---@param param table
---@param opts? table
---@return omni.offline.Runner? runner, string? err, string? code
function M.new(param, opts)
  if type(param) ~= "table" or type(param.model) ~= "string" then
    error("bad argument #1 to 'new' (table with a string 'model' expected)", 2)
  end
  opts = opts or {}
  local engine = server.engine_of(param)
  local template = param.template or opts.template
  if not template and engine ~= "dummy" then
    local env = os.getenv("OMNILUA_OFFLINE_TEMPLATE")
    if not env or env == "" then
      return nil, "no offline command for " .. param.model .. ": set OMNILUA_OFFLINE_TEMPLATE to a batch " ..
        "command that reads {prompts} (JSONL) and writes {out}/outputs.jsonl (see docs/reference/server-fixture.md)",
        "ENOENGINE"
    end
    template = env
  end
  local sc, err = server.stage_config_for(param, opts.run_level)
  if err then return nil, "stage config for " .. param.model .. ": " .. err, "ESTAGECONFIG" end
  local dir = opts.work_dir or string.format("%s/omnilua-offline-%d", os.getenv("TMPDIR") or "/tmp", math.random(1, 1e9))
  assert(fs.mkdir(dir))
  return setmetatable({ model = param.model, engine = engine, stage_config = sc, param = param,
    template = template or M.DUMMY_TEMPLATE, run_level = opts.run_level or "core_model", work_dir = dir,
    timeout = param.timeout or M.TIMEOUT[engine] or 1800, batches = 0 }, Runner)
end

local function url_of(v)
  if type(v) == "string" then return v end
  local ok, u = pcall(function() return v.data_url end)
  if ok and type(u) == "string" then return u end
  error("omni_runner: media must be omni.media values or data URLs, got " .. type(v), 5)
end

local function pick(list, i)
  if list == nil then return nil end
  if type(list) ~= "table" or (list[1] == nil and next(list) ~= nil) then return list end -- one value for all
  return list[i] or (#list == 1 and list[1] or nil)
end

-- Messages for prompt i: text first, then video, image, audio parts (the
-- reference's dummy_messages_from_mix_data order).
local function messages_for(cfg, i)
  if cfg.messages then return cfg.messages end
  local content = { { type = "text", text = cfg.prompts[i] } }
  local v, im, a = pick(cfg.videos, i), pick(cfg.images, i), pick(cfg.audios, i)
  if v then content[#content + 1] = { type = "video_url", video_url = { url = url_of(v) } } end
  if im then content[#content + 1] = { type = "image_url", image_url = { url = url_of(im) } } end
  if a then content[#content + 1] = { type = "audio_url", audio_url = { url = url_of(a) } } end
  local msgs = {}
  if cfg.system_prompt then msgs[1] = { role = "system", content = cfg.system_prompt } end
  msgs[#msgs + 1] = { role = "user", content = content }
  return msgs
end

local function read(path) return (require("omni.files").read(path)) end

local function write_prompts(path, cfg, n)
  local f = assert(io.open(path, "wb"))
  for i = 1, n do
    local line = { id = string.format("r%04d", i), messages = messages_for(cfg, i), modalities = cfg.modalities,
      max_tokens = cfg.max_tokens }
    f:write(cjson.encode(line), "\n")
  end
  f:close()
end

local function whole_batch_failure(responses, check, message)
  for _, r in ipairs(responses) do checks.fail(r, check, message) end
end

local function read_outputs(out_dir)
  local text = read(out_dir .. "/outputs.jsonl")
  if not text then return nil, "the command wrote no " .. out_dir .. "/outputs.jsonl" end
  local by_id, n = {}, 0
  for line in text:gmatch("[^\n]+") do
    n = n + 1
    local ok, doc = pcall(cjson.decode, line)
    if not ok or type(doc) ~= "table" then
      return nil, string.format("outputs.jsonl line %d is not a JSON object: %s", n, excerpt.quote(line, 200))
    end
    if doc.id ~= nil then by_id[tostring(doc.id)] = doc end
  end
  return by_id
end

local function fill(resp, doc, out_dir)
  if type(doc.text) == "string" then resp.text = doc.text end
  if type(doc.transcript) == "string" then resp.transcript = doc.transcript end
  if type(doc.audio_file) == "string" then
    resp.audio_bytes = read(out_dir .. "/" .. doc.audio_file)
    if not resp.audio_bytes then
      resp.problems[#resp.problems + 1] = { check = "audio", message = "audio file " .. doc.audio_file .. " is missing" }
    end
  end
  if type(doc.prompt_tokens) == "number" and type(doc.completion_tokens) == "number" then
    resp.usage = { prompt_tokens = doc.prompt_tokens, completion_tokens = doc.completion_tokens,
      total_tokens = doc.prompt_tokens + doc.completion_tokens }
  end
  resp.raw = cjson.encode(doc)
end

--- Runs one batch: `opts.request_num` copies of config.messages, or one
--- prompt per config.prompts entry (with images/audios/videos: a list with
--- one media per prompt, or one for all). Checks every output at the run
--- level and fails the test on a failed check (unless opts.raise is false).
--- config: messages | prompts (+ images, audios, videos, system_prompt),
--- modalities (default {"text","audio"}), key_words, usage, max_tokens.
---@param config table
---@param opts? {request_num?: integer, run_level?: string, raise?: boolean}
---@return omni.openai.Response[]
function Runner:send_request(config, opts)
  if type(config) ~= "table" then error("bad argument #1 to 'send_request' (table expected)", 2) end
  opts = opts or {}
  local n
  if config.messages then
    n = opts.request_num or 1
  elseif type(config.prompts) == "table" and #config.prompts > 0 then
    n = #config.prompts
  else
    error("omni_runner:send_request: config needs messages or a non-empty prompts list", 2)
  end
  if math.type(n) ~= "integer" or n < 1 then error("omni_runner:send_request: request_num must be a positive integer", 2) end
  local level = opts.run_level or self.run_level
  local info = debug.getinfo(2, "Sl")
  local where = info and info.currentline > 0 and (info.short_src .. ":" .. info.currentline) or nil
  local cfg = setmetatable({ modalities = config.modalities or { "text", "audio" }, offline = true }, { __index = config })

  self.batches = self.batches + 1
  local base = string.format("%s/batch%03d", self.work_dir, self.batches)
  assert(fs.mkdir(base))
  local prompts, out_dir = base .. "/prompts.jsonl", base .. "/out"
  write_prompts(prompts, cfg, n)
  local argv = server.expand(self.template, { model = self.model, stage_config = self.stage_config,
    prompts = prompts, out = out_dir, exe = host.exe, root = host.root, server_args = self.param.server_args })
  local env = {}
  for k, v in pairs(self.param.env or {}) do env[k] = tostring(v) end
  local r, err = proc.run(argv, { timeout = self.timeout, env = env })

  local responses = {}
  for i = 1, n do responses[i] = parse.new(i, false) end
  local cmd = table.concat(argv, " ")
  if not r then
    whole_batch_failure(responses, "command", "could not run " .. cmd .. ": " .. tostring(err))
  elseif r.timed_out then
    whole_batch_failure(responses, "timeout", string.format("%s did not finish within %g s", cmd, self.timeout))
  elseif r.code ~= 0 then
    whole_batch_failure(responses, "command", string.format("%s exited with %s\n  stderr: %s", cmd,
      r.code and ("code " .. r.code) or ("signal " .. tostring(r.signal)), excerpt.trim(r.stderr, 600)))
  else
    local by_id, rerr = read_outputs(out_dir)
    if not by_id then whole_batch_failure(responses, "output", rerr) end
    for i, resp in ipairs(responses) do
      resp.e2e_latency = r.duration
      if by_id then
        local doc = by_id[string.format("r%04d", i)]
        if not doc then
          checks.fail(resp, "output", string.format("no output for prompt r%04d in %s/outputs.jsonl", i, out_dir))
        else
          fill(resp, doc, out_dir)
          checks.chat(resp, cfg, level)
        end
      end
    end
  end
  local out = verdict.conclude(responses, { who = "omni_runner", kind = "offline", model = self.model,
    level = level, where = where, raise = opts.raise ~= false })
  return out
end

return M
