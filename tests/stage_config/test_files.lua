-- omni.stage_config files: shipped configs load and validate, validate's
-- errors, write_modified's output file.
local omni = require "omni"
local assert = require "omni.assert"
local yaml = require "omni.yaml"
local sc = require "omni.stage_config"
local fs = require "omni.core.fs"

local SHIPPED = { "dummy.yaml", "qwen2_5_omni_ci.yaml", "qwen3_omni_ci.yaml" }

omni.test("shipped_configs_load_and_validate", { marks = { "cpu" }, params = { name = SHIPPED } }, function(name)
  local path = sc.path(name)
  local config, err = sc.load(path)
  assert.not_nil(config, err)
  assert.truthy(#config.stage_args >= 1)
  local outputs = {}
  for _, s in ipairs(config.stage_args) do
    assert.equal(s.engine_args.load_format, "dummy", name .. " stage " .. s.stage_id)
    if s.final_output then outputs[s.final_output_type] = true end
  end
  assert.truthy(outputs.text and outputs.audio, "text and audio come out")
  -- dump -> load keeps every value
  assert.same(yaml.load(yaml.dump(config)), config)
end)

omni.test("qwen_ci_configs_have_the_reference_stages", { marks = { "cpu" } }, function()
  local q3 = assert.not_nil(sc.load(sc.path("qwen3_omni_ci.yaml")))
  local q25 = assert.not_nil(sc.load(sc.path("qwen2_5_omni_ci.yaml")))
  local function stages(c)
    local out = {}
    for _, s in ipairs(c.stage_args) do out[#out + 1] = s.engine_args.model_stage end
    return table.concat(out, ",")
  end
  assert.equal(stages(q3), "thinker,talker,code2wav")
  assert.equal(stages(q25), "thinker,talker,token2wav")
  for _, c in ipairs({ q3, q25 }) do
    assert.same(c.stage_args[2].engine_input_source, { 0 })
    assert.same(c.stage_args[3].engine_input_source, { 1 })
    assert.equal(c.stage_args[3].engine_args.worker_type, "generation")
    assert.type(c.stage_args[1].runtime.max_batch_size, "integer")
    assert.type(c.stage_args[1].runtime.devices, "string")
  end
end)

local function invalid(text)
  local config = assert.not_nil(yaml.load(text))
  local ok, err, code = sc.validate(config, "x.yaml")
  assert.is_nil(ok, text)
  assert.equal(code, "ESTAGECONFIG")
  return err
end

omni.test("validate_reports_each_problem", { marks = { "cpu" } }, function()
  local ok_stage = "  - {stage_id: 0, final_output: true, final_output_type: text}\n"
  local cases = {
    { "other: 1\n", "stage_args: expected a non-empty list of stages, got nothing" },
    { "stage_args: {a: 1}\n", "stage_args: expected a non-empty list of stages, got table" },
    { "stage_args: [5]\n", "stage_args[1]: expected a mapping, got number" },
    { "stage_args:\n  - {stage_id: '0', final_output: true, final_output_type: text}\n", "stage_args[1].stage_id: expected an integer >= 0, got 0" },
    { "stage_args:\n" .. ok_stage .. ok_stage, "stage_args[2].stage_id: duplicate stage_id 0 (also stage_args[1])" },
    { "stage_args:\n" .. ok_stage .. "  - {stage_id: 1, engine_input_source: [4]}\n", "engine_input_source: refers to stage 4, which does not exist" },
    { "stage_args:\n" .. ok_stage .. "  - {stage_id: 1, engine_input_source: [1]}\n", "a stage cannot take its own output (1)" },
    { "stage_args:\n  - {stage_id: 0, final_output: true, final_output_type: video}\n", "final_output_type: expected audio|image|text, got video" },
    { "stage_args:\n  - {stage_id: 0, final_output: true}\n", "final_output_type: required when final_output is true" },
    { "stage_args:\n  - {stage_id: 0, final_output: yes please, final_output_type: text}\n", "final_output: expected true or false" },
    { "stage_args:\n  - {stage_id: 0}\n", "no stage has final_output: true" },
    { "stage_args:\n" .. ok_stage .. "  - {stage_id: 1, engine_args: {worker_type: gpu}}\n", "engine_args.worker_type: expected ar|generation, got gpu" },
    { "stage_args:\n" .. ok_stage .. "  - {stage_id: 1, runtime: {max_batch_size: 0}}\n", "runtime.max_batch_size: expected an integer >= 1, got 0" },
    { "stage_args:\n" .. ok_stage .. "  - {stage_id: 1, runtime: {devices: [0]}}\n", "runtime.devices: expected a string" },
    { "stage_args:\n" .. ok_stage .. "  - {stage_id: 1, engine_args: {gpu_memory_utilization: 1.5}}\n", "gpu_memory_utilization: expected a number in (0, 1]" },
    { "stage_args:\n" .. ok_stage .. "  - {stage_id: 1, stage_type: rnn}\n", "stage_type: expected diffusion|llm, got rnn" },
    { "stage_args:\n" .. ok_stage .. "  - {stage_id: 1, default_sampling_params: {max_tokens: 1.5}}\n", "default_sampling_params.max_tokens: expected an integer >= 1" },
    { "async_chunk: 'yes'\nstage_args:\n" .. ok_stage, "async_chunk: expected true or false" },
  }
  for _, c in ipairs(cases) do
    local err = invalid(c[1])
    assert.contains(err, "x.yaml: invalid stage config:")
    assert.contains(err, c[2])
  end
  -- all problems at once, one per line
  local err = invalid("stage_args:\n  - {stage_id: 0, final_output: true, final_output_type: video, runtime: {max_batch_size: -1}}\n")
  assert.match(err, "max_batch_size.*\n  .*final_output_type")
  assert.truthy(sc.validate(yaml.load("stages:\n" .. ok_stage)), "the newer 'stages' key is accepted")
end)

omni.test("load_reports_yaml_and_file_errors", { marks = { "cpu" } }, function(tmp_path)
  local path = tmp_path .. "/broken.yaml"
  local f = assert.not_nil(io.open(path, "w"))
  f:write("stage_args:\n  - stage_id: 0\n   bad: indent\n")
  f:close()
  local c, err, code = sc.load(path)
  assert.is_nil(c)
  assert.equal(code, "EYAML")
  assert.match(err, "broken%.yaml:3:%d+: ")
  c, err, code = sc.load(tmp_path .. "/none.yaml")
  assert.is_nil(c)
  assert.equal(code, "ENOENT")
  f = assert.not_nil(io.open(path, "w"))
  f:write("stage_args: []\n")
  f:close()
  c, err, code = sc.load(path)
  assert.equal(code, "ESTAGECONFIG")
  assert.truthy(sc.load(path, { validate = false }), "validate = false loads it anyway")
end)

omni.test("write_modified_writes_a_new_file_and_keeps_the_original", { marks = { "cpu" } }, function(tmp_path)
  local src = sc.path("dummy.yaml")
  local before = assert.not_nil(io.open(src, "rb")):read("a")
  local ops = { update = { stage_args = { ["0"] = { ["default_sampling_params.max_tokens"] = 7 } } } }
  local t0 = os.time()
  local p1, err = sc.write_modified(src, ops, { dir = tmp_path .. "/out" })
  assert.not_nil(p1, err)
  local p2 = assert.not_nil(sc.write_modified(src, ops, { dir = tmp_path .. "/out" }))
  assert.truthy(p1 ~= p2, "two edits in the same second get different files")
  local stamp = tonumber(p1:match("/dummy_(%d+)%.yaml$"))
  assert.not_nil(stamp, p1)
  assert.truthy(stamp >= t0 and stamp <= os.time() + 1)
  assert.equal(assert.not_nil(io.open(src, "rb")):read("a"), before, "original untouched")
  local written = assert.not_nil(sc.load(p1))
  assert.equal(written.stage_args[1].default_sampling_params.max_tokens, 7)
  assert.equal(#fs.list(tmp_path .. "/out"), 2)
  -- failures: unknown stage, a result that does not validate, a missing file
  local none, e1, c1 = sc.write_modified(src, { update = { stage_args = { ["5"] = { x = 1 } } } }, { dir = tmp_path })
  assert.is_nil(none)
  assert.equal(c1, "ESTAGECONFIG")
  assert.contains(e1, "dummy.yaml: update.stage_args.5: no stage with stage_id 5")
  local bad, e2 = sc.write_modified(src, { update = { stage_args = { ["1"] = { engine_input_source = { 9 } } } } }, { dir = tmp_path })
  assert.is_nil(bad)
  assert.contains(e2, "(after update/delete): invalid stage config")
  local _, _, c3 = sc.write_modified(tmp_path .. "/nope.yaml", {}, { dir = tmp_path })
  assert.equal(c3, "ENOENT")
end)

omni.test("written_files_read_the_same_in_pyyaml", { marks = { "cpu" } }, function(tmp_path)
  local proc = require "omni.proc"
  local probe = proc.run({ "python3", "-c", "import yaml" }, { timeout = 30 })
  if probe.code ~= 0 then omni.skip("python3 with PyYAML is not installed") end
  local cjson = require "cjson"
  local ops = { update = { async_chunk = true, stage_args = { ["0"] = { ["default_sampling_params.stop_token_ids.3"] = 5, ["x.y"] = "yes" } } } }
  for _, name in ipairs(SHIPPED) do
    local p = assert.not_nil(sc.write_modified(sc.path(name), ops, { dir = tmp_path }))
    local r = proc.run({ "python3", "-c",
      "import yaml,json,sys; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", p }, { timeout = 30 })
    assert.equal(r.code, 0, r.stderr)
    local theirs = cjson.decode(r.stdout)
    local ours = yaml.load_file(p)
    assert.same(theirs, ours, name)
  end
end)
