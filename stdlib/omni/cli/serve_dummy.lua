--- `omnilua serve-dummy`: the built-in dummy omni server (OpenAI-compatible,
--- no weights), or with --offline its batch mode. See
--- docs/reference/dummy-server.md.
local argparse = require "omni.argparse"
local dummy = require "omni.core.dummy"
local stage_config = require "omni.stage_config"
local cjson = require "cjson"

local spec = {
  { "--host", default = "127.0.0.1", help = "address to bind (default 127.0.0.1)" },
  { "--port", kind = "integer", default = 8000, help = "port; 0 picks a free one (printed)" },
  { "--model", default = "omni-dummy", help = "the one model name served" },
  { "--ttft-ms", kind = "number", help = "time to first token (ms)" },
  { "--itl-ms", kind = "number", help = "inter-token latency (ms)" },
  { "--jitter-ms", kind = "number", help = "uniform jitter added to each chunk's time (ms)" },
  { "--output-tokens", kind = "integer", help = "answer length in tokens (default: natural)" },
  { "--seed", kind = "integer", help = "seed of jitter and injected errors" },
  { "--fault", kind = "list", metavar = "K=V[,K=V]", help = "fault or latency settings, e.g. stall_after=3" },
  { "--text-only", kind = "flag", help = "answer without audio unless a request asks for it" },
  { "--stage-config", metavar = "FILE", help = "stage config to deploy (validated; GET /debug/stage_config shows its stages; no final audio stage: text-only)" },
  { "--max-body-mib", kind = "number", default = 8, help = "largest request body in MiB; bigger gets 413 (default 8)" },
  { "--max-model-len", kind = "integer", default = 32768, help = "most prompt tokens; more get 400 'maximum context length' (default 32768)" },
  { "--api-key", help = "require this bearer token (default $OMNILUA_DUMMY_API_KEY)" },
  { "--offline", kind = "flag", help = "batch mode: read --prompts, write to --out, exit" },
  { "--prompts", help = "offline: JSONL prompts file" },
  { "--out", help = "offline: output folder" },
  { "--help", short = "-h", kind = "flag", help = "show this help" },
}

-- Loads and validates the stage config; returns the JSON summary served on
-- /debug/stage_config and whether any final stage outputs audio.
local function load_stage_config(name)
  local path = stage_config.path(name)
  local conf, err = stage_config.load(path)
  if not conf then argparse.usage_error("serve-dummy: --stage-config: %s", err) end
  local stages, audio = {}, false
  for _, st in ipairs(conf.stage_args or {}) do
    local ea, sp = st.engine_args or {}, st.default_sampling_params or {}
    stages[#stages + 1] = {
      stage_id = st.stage_id, stage_type = st.stage_type, model_stage = ea.model_stage,
      model_arch = ea.model_arch, final_output = st.final_output == true,
      final_output_type = st.final_output_type, max_tokens = sp.max_tokens,
    }
    if st.final_output == true and st.final_output_type == "audio" then audio = true end
  end
  return cjson.encode { stage_config = path, stages = stages }, audio, #stages
end

local function main(args)
  local o = argparse.parse("serve-dummy", spec, args)
  if o.help then
    io.stdout:write("usage: omnilua serve-dummy [options]\n\n", argparse.help(spec), "\n")
    return 0
  end
  if #o.positional > 0 then
    argparse.usage_error("serve-dummy: unexpected argument '%s'", o.positional[1])
  end
  if o.port < 0 or o.port > 65535 then argparse.usage_error("serve-dummy: --port must be in 0..65535") end
  if not (o.max_body_mib > 0 and o.max_body_mib <= 4096) then
    argparse.usage_error("serve-dummy: --max-body-mib must be in (0, 4096]")
  end
  if o.max_model_len < 1 or o.max_model_len > 100000000 then
    argparse.usage_error("serve-dummy: --max-model-len must be in 1..100000000")
  end
  local sc_json, sc_audio, nstages
  if o.stage_config then sc_json, sc_audio, nstages = load_stage_config(o.stage_config) end
  local cfg = {
    stage_config_json = sc_json,
    host = o.host, port = o.port, model = o.model, ttft_ms = o.ttft_ms, itl_ms = o.itl_ms,
    jitter_ms = o.jitter_ms, output_tokens = o.output_tokens, seed = o.seed,
    max_body = math.max(1, math.floor(o.max_body_mib * 1024 * 1024)), max_model_len = o.max_model_len,
    fault = #o.fault > 0 and table.concat(o.fault, ",") or nil,
    audio = not o.text_only and sc_audio ~= false, api_key = o.api_key or os.getenv("OMNILUA_DUMMY_API_KEY"),
  }
  local ok, err = pcall(function() -- bad --fault text raises in the binding
    if cfg.fault then dummy.offline { fault = cfg.fault, prompts = "", out = "", port = 0 } end
  end)
  if not ok and not tostring(err):find("cannot read prompts", 1, true) then
    argparse.usage_error("serve-dummy: --fault: %s", tostring(err):gsub("^.-:%d+: ", ""))
  end
  if o.offline then
    if not o.prompts or not o.out then
      argparse.usage_error("serve-dummy: --offline needs --prompts FILE and --out DIR")
    end
    cfg.prompts, cfg.out = o.prompts, o.out
    local n, e = dummy.offline(cfg)
    if not n then
      io.stderr:write("omnilua serve-dummy: ", e, "\n")
      return 1
    end
    io.stdout:write(string.format("omnilua serve-dummy: %d prompts answered in %s\n", n, o.out))
    return 0
  end
  if o.stage_config then
    io.stdout:write(string.format("omnilua serve-dummy: stage config %s (%d stages%s)\n", o.stage_config,
      nstages, sc_audio and "" or ", no final audio stage: text-only"))
  end
  local okr, e, code = dummy.serve(cfg)
  if okr == nil then
    io.stderr:write("omnilua serve-dummy: ", e, "\n")
    return code == "EADDRINUSE" and 1 or 1
  end
  return okr and 0 or 1
end

return { summary = "run the built-in dummy omni server (OpenAI-compatible, no weights)", main = main }
