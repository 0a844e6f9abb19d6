-- omni.stage_config.apply: the reference's modify_stage_config rules, one
-- test per rule (shared/reference/vllm-omni.md section 5).
local omni = require "omni"
local assert = require "omni.assert"
local yaml = require "omni.yaml"
local cjson = require "cjson"
local sc = require "omni.stage_config"

-- stages listed out of id order, so "addressed by stage_id" differs from "by position"
local BASE = [[
stage_args:
  - stage_id: 2
    engine_args: {model_stage: code2wav, load_format: dummy}
    engine_input_source: [1]
    custom_process_input_func: talker2code2wav
    final_output: true
    final_output_type: audio
  - stage_id: 0
    runtime: {devices: "0", max_batch_size: 5}
    engine_args: {model_stage: thinker, load_format: dummy}
    final_output: true
    final_output_type: text
    default_sampling_params: {max_tokens: 150, stop_token_ids: [1, 2]}
  - stage_id: 1
    engine_args: {model_stage: talker, load_format: dummy}
    engine_input_source: [0]
async_chunk: false
]]

local function base() return assert.not_nil(yaml.load(BASE)) end
local function stage(config, id)
  for _, s in ipairs(config.stage_args) do if s.stage_id == id then return s end end
end
local function apply(ops)
  local out, err = sc.apply(base(), ops)
  assert.not_nil(out, err)
  return out
end

omni.test("stages_are_addressed_by_stage_id_not_position", { marks = { "cpu" } }, function()
  local c = apply({ update = { stage_args = { [0] = { ["runtime.max_batch_size"] = 9 } } } })
  assert.equal(c.stage_args[2].runtime.max_batch_size, 9, "stage_id 0 is the second entry")
  assert.is_nil(c.stage_args[1].runtime)
end)

omni.test("string_and_integer_stage_ids_are_the_same_stage", { marks = { "cpu" } }, function()
  -- nightly.json keys are strings ("0"); the reference compares them to integer ids
  local from_json = cjson.decode('{"stage_args": {"0": {"engine_args.max_model_len": 8192}}}')
  local a = apply({ update = from_json })
  local b = apply({ update = { stage_args = { [0] = { ["engine_args.max_model_len"] = 8192 } } } })
  assert.same(a, b)
  assert.equal(stage(a, 0).engine_args.max_model_len, 8192)
  local d = apply({ delete = cjson.decode('{"stage_args": {"2": ["custom_process_input_func"]}}') })
  assert.is_nil(stage(d, 2).custom_process_input_func)
end)

omni.test("deletes_are_applied_before_updates", { marks = { "cpu" } }, function()
  local c = apply({
    update = { stage_args = { ["1"] = { ["engine_args.load_format"] = "auto" } } },
    delete = { stage_args = { ["1"] = { "engine_args.load_format" } } },
  })
  assert.equal(stage(c, 1).engine_args.load_format, "auto", "the update wins: it runs second")
end)

omni.test("dotted_paths_reach_nested_keys", { marks = { "cpu" } }, function()
  local c = apply({ update = { stage_args = { ["0"] = {
    ["default_sampling_params.max_tokens"] = 10,
    ["engine_args.model_stage"] = "thinker2",
  } } } })
  local s = stage(c, 0)
  assert.equal(s.default_sampling_params.max_tokens, 10)
  assert.equal(s.engine_args.model_stage, "thinker2")
  assert.equal(s.engine_args.load_format, "dummy", "siblings stay")
end)

omni.test("missing_tables_are_created", { marks = { "cpu" } }, function()
  local c = apply({ update = { stage_args = { ["1"] = { ["runtime.devices"] = "1", ["a.b.c"] = true } } } })
  assert.same(stage(c, 1).runtime, { devices = "1" })
  assert.same(stage(c, 1).a, { b = { c = true } })
  -- a scalar in the way is replaced by a table, as the reference does
  local r = apply({ update = { stage_args = { ["2"] = { ["final_output_type.x"] = 1 } } } })
  assert.same(stage(r, 2).final_output_type, { x = 1 })
end)

omni.test("numeric_parts_index_lists_which_grow", { marks = { "cpu" } }, function()
  local c = apply({ update = { stage_args = { ["0"] = {
    ["default_sampling_params.stop_token_ids.0"] = 7, -- 0-based: replaces the first
    ["default_sampling_params.stop_token_ids.4"] = 9, -- grows, null-filled
  } } } })
  assert.same(stage(c, 0).default_sampling_params.stop_token_ids, { 7, 2, yaml.null, yaml.null, 9 })
  -- a new list is created when the next part is numeric
  local n = apply({ update = { stage_args = { ["1"] = { ["extra.1.name"] = "x" } } } })
  assert.same(stage(n, 1).extra, { yaml.null, { name = "x" } })
  -- and the text is what PyYAML would write back: null placeholders
  assert.contains(yaml.dump(stage(n, 1).extra), "- null\n- name: x\n")
end)

omni.test("plain_keys_are_set_directly", { marks = { "cpu" } }, function()
  local c = apply({ update = { stage_args = { ["1"] = { engine_input_source = { 0, 2 } } } } })
  assert.same(stage(c, 1).engine_input_source, { 0, 2 })
  local r = apply({ update = { stage_args = { ["0"] = { engine_args = { model_stage = "x" } } } } })
  assert.same(stage(r, 0).engine_args, { model_stage = "x" }, "a table value replaces, it does not merge")
end)

omni.test("top_level_keys_dotted_is_a_path_plain_is_set", { marks = { "cpu" } }, function()
  local c = apply({ update = { async_chunk = true, ["limits.max.rps"] = 3, ["stage_args.0.runtime.devices"] = "5" } })
  assert.equal(c.async_chunk, true)
  assert.same(c.limits, { max = { rps = 3 } })
  -- a dotted top-level path indexes stage_args by position (as in the reference)
  assert.equal(c.stage_args[1].runtime.devices, "5")
  assert.equal(c.stage_args[1].stage_id, 2)
end)

omni.test("deletes_nested_keys_list_items_and_top_level_keys", { marks = { "cpu" } }, function()
  local c = apply({ delete = {
    stage_args = { ["0"] = { "runtime.max_batch_size", "default_sampling_params.stop_token_ids.0", "no_such_leaf" } },
    async_chunk = cjson.null,
  } })
  assert.same(stage(c, 0).runtime, { devices = "0" })
  assert.same(stage(c, 0).default_sampling_params.stop_token_ids, { 2 })
  assert.is_nil(c.async_chunk)
  local d = apply({ delete = { ["stage_args.1.engine_args.load_format"] = yaml.null } })
  assert.is_nil(d.stage_args[2].engine_args.load_format)
  assert.equal(d.stage_args[2].engine_args.model_stage, "thinker")
  -- empty lists of paths and empty paths do nothing
  assert.same(apply({ delete = { stage_args = { ["0"] = {}, ["1"] = { "" } } } }), base())
end)

omni.test("errors_name_the_operation_and_path", { marks = { "cpu" } }, function()
  local cases = {
    { { update = { stage_args = { ["7"] = { x = 1 } } } }, "update.stage_args.7: no stage with stage_id 7 (stage ids: 2, 0, 1)" },
    { { delete = { stage_args = { [9] = { "x" } } } }, "delete.stage_args.9: no stage with stage_id 9" },
    { { update = { stage_args = { abc = { x = 1 } } } }, 'update.stage_args.abc: stage id "abc" is not an integer' },
    { { delete = { stage_args = { ["0"] = { "nope.deeper" } } } }, "cannot delete nope.deeper: nope does not exist" },
    { { delete = { stage_args = { ["0"] = { "default_sampling_params.stop_token_ids.5" } } } }, "list index 5 out of bounds" },
    { { delete = { async_chunk = true } }, "delete.async_chunk: a top-level key is deleted with null" },
    { { update = { stage_args = { ["0"] = { ["default_sampling_params.stop_token_ids.x"] = 1 } } } }, "is a list and \"x\" is not an index" },
    { { update = { stage_args = 5 } }, "update.stage_args: expected a table" },
  }
  for _, c in ipairs(cases) do
    local out, err, code = sc.apply(base(), c[1])
    assert.is_nil(out)
    assert.equal(code, "ESTAGECONFIG")
    assert.contains(err, c[2])
  end
  local out, err = sc.apply({ other = 1 }, { update = { stage_args = { ["0"] = { x = 1 } } } })
  assert.is_nil(out)
  assert.contains(err, "stage_args does not exist in config")
  assert.raises(function() sc.apply(base(), { updates = {} }) end, "unknown operation 'updates'")
  assert.raises(function() sc.apply(nil, {}) end, "bad argument #1 to 'apply'")
end)

omni.test("apply_leaves_its_input_alone", { marks = { "cpu" } }, function()
  local config = base()
  local value = { 0, 1 }
  local out = assert.not_nil(sc.apply(config, { update = { stage_args = { ["1"] = { engine_input_source = value } } },
    delete = { async_chunk = yaml.null } }))
  assert.same(config, base())
  value[1] = 99
  assert.same(stage(out, 1).engine_input_source, { 0, 1 }, "values are copied in")
end)

omni.test("the_spec_example_on_qwen3_omni_ci", { marks = { "cpu" } }, function()
  -- chapter 3 of the testing-system spec, as nightly.json carries it
  local ops = cjson.decode([[{
    "update": {"async_chunk": true, "stage_args": {"0": {
      "engine_args.custom_process_next_stage_input_func":
        "vllm_omni.model_executor.stage_input_processors.qwen3_omni.thinker2talker_async_chunk"}}},
    "delete": {"stage_args": {"2": ["custom_process_input_func"]}}
  }]])
  local config = assert.not_nil(sc.load(sc.path("qwen3_omni_ci.yaml")))
  local out = assert.not_nil(sc.apply(config, ops))
  assert.equal(out.async_chunk, true)
  assert.equal(stage(out, 0).engine_args.custom_process_next_stage_input_func,
    "vllm_omni.model_executor.stage_input_processors.qwen3_omni.thinker2talker_async_chunk")
  assert.is_nil(stage(out, 2).custom_process_input_func)
  assert.not_nil(stage(out, 1).custom_process_input_func)
  assert.truthy(sc.validate(out))
end)
