-- omni.soak.driver (the one place that sends a soak's load) and the request
-- mixer: which engine each slice goes to, results normalised the same by
-- both engines, errors classified, the mixer's body cache sending exactly
-- what the uncached path builds.
local omni = require "omni"
local assert = require "omni.assert"
local clock = require "omni.core.clock"
local cjson = require "cjson"
local driver = require "omni.soak.driver"
local requests = require "omni.soak.requests"
local server = require "omni.soak.server"
local omni_server = require "omni.server"

local function dummy(tmp, extra)
  local sp = { model = "omni-dummy", stage_config_name = "dummy.yaml", startup_timeout = 20,
    dummy = extra or { ttft_ms = 1, itl_ms = 1, output_tokens = 4 } }
  local s = assert(server.new(sp, { log = tmp .. "/server.log" }))
  assert(s:start())
  return s
end

local function mix_of(entries, seed)
  return requests.mixer { model = "omni-dummy", mix = entries, seed = seed or 1 }
end

local function take(m, n)
  local out = {}
  for i = 1, n do out[i] = m:next() end
  return out
end

omni.test("engine_choice_per_slice", {}, function()
  local d = driver.new { base_url = "http://127.0.0.1:1", concurrency = 2 }
  local text = take(mix_of { { modality = "text", weight = 1, name = "t" } }, 5)
  assert.truthy(d:fits_load(text))
  local plain = take(mix_of { { modality = "image", weight = 1, stream = false, name = "i" } }, 5)
  assert.truthy(d:fits_load(plain))
  -- answers that are not chat JSON, mixed stream modes: omni.http
  assert.falsy(d:fits_load(take(mix_of { { modality = "speech", weight = 1, name = "s" } }, 3)))
  assert.falsy(d:fits_load(take(mix_of { { modality = "image_generation", weight = 1, name = "g" } }, 3)))
  local both = take(mix_of { { modality = "text", weight = 1, name = "a" }, { modality = "text", weight = 1, stream = false, name = "b" } }, 20)
  assert.falsy(d:fits_load(both))
  assert.falsy(driver.new { base_url = "http://x", retries = 1 }:fits_load(text))
  assert.falsy(driver.new { base_url = "http://x", engine = "batch" }:fits_load(text))
  assert.falsy(d:fits_load({}))
  assert.raises(function() driver.new { base_url = "http://x", engine = "fast" } end, "engine must be auto, load or batch")
  local forced = driver.new { base_url = "http://127.0.0.1:1", engine = "load" }
  assert.raises(function() forced:run(take(mix_of { { modality = "speech", weight = 1, name = "s" } }, 2)) end,
    "the load engine cannot send this slice")
end)

omni.test("both_engines_same_results", { timeout = 60 }, function(tmp_path)
  local s = dummy(tmp_path)
  local ok, err = pcall(function()
    for _, stream in ipairs({ true, false }) do
      local reqs = take(mix_of { { modality = "text", weight = 1, stream = stream, max_tokens = 4, name = "t" } }, 40)
      local by = {}
      for _, engine in ipairs({ "load", "batch" }) do
        local d = driver.new { base_url = s:url(), concurrency = 4, timeout = 10, engine = engine }
        local t0 = clock.now_ns()
        local res = d:run(reqs)
        local t1 = clock.now_ns()
        assert.equal(d.used[engine], 1)
        assert.equal(#res, 40)
        for k, r in ipairs(res) do
          local what = string.format("%s stream=%s #%d", engine, tostring(stream), k)
          assert.truthy(r.ok, what .. ": " .. tostring(r.err))
          assert.equal(r.i, k, what)
          assert.equal(r.mix, "t", what)
          assert.equal(r.status, 200, what)
          assert.truthy(r.latency_ms > 0 and r.latency_ms < 5000, what)
          assert.truthy(r.t_end_ns > t0 and r.t_end_ns <= t1, what)
          assert.truthy(r.ttft_ms and r.ttft_ms > 0 and r.ttft_ms <= r.latency_ms + 1e-6, what)
          assert.truthy(r.tokens and r.tokens > 0, what)
          assert.is_nil(r.code, what)
        end
        by[engine] = res
      end
      if not stream then -- both read usage.completion_tokens
        for k = 1, 40 do assert.equal(by.load[k].tokens, by.batch[k].tokens) end
      end
    end
  end)
  s:stop(2)
  assert.truthy(ok, tostring(err))
end)

omni.test("errors_classified_by_both_engines", { timeout = 60 }, function(tmp_path)
  local s = dummy(tmp_path, { ttft_ms = 0, itl_ms = 0, output_tokens = 1, fault = "error_rate=1,status=503" })
  local reqs = take(mix_of { { modality = "text", weight = 1, stream = false, name = "t" } }, 6)
  local ok, err = pcall(function()
    for _, engine in ipairs({ "load", "batch" }) do
      for _, r in ipairs(driver.new { base_url = s:url(), concurrency = 2, timeout = 10, engine = engine }:run(reqs)) do
        assert.falsy(r.ok)
        assert.equal(r.code, "HTTP_503", engine .. ": " .. tostring(r.err))
        assert.equal(r.status, 503)
      end
    end
  end)
  s:stop(2)
  assert.truthy(ok, tostring(err))
  local port = omni_server.free_port() -- nothing listens there
  for _, engine in ipairs({ "load", "batch" }) do
    local res = driver.new { base_url = "http://127.0.0.1:" .. port, concurrency = 2, timeout = 5, engine = engine }:run(reqs)
    for _, r in ipairs(res) do
      assert.falsy(r.ok)
      assert.equal(r.code, "ECONNREFUSED", engine .. ": " .. tostring(r.err))
    end
  end
end)

omni.test("mixer_cache_sends_what_the_builders_build", {}, function()
  local mix = {
    { modality = "text", weight = 3, name = "text" }, { modality = "image", weight = 1, stream = false, name = "image" },
    { modality = "speech", weight = 1, name = "speech" }, { modality = "text_audio", weight = 1, prompt = "fixed", name = "ta" },
  }
  local cached = mix_of(mix, 7)
  -- a hooks.request that keeps the default: the uncached path, same draws
  local seen = 0
  local plain = requests.mixer { model = "omni-dummy", mix = mix, seed = 7,
    hooks = { request = function(_, _, _, default) seen = seen + 1; assert(type(default.body) == "table") end } }
  local names = {}
  for k = 1, 200 do
    local a, b = cached:next(), plain:next()
    assert.equal(type(a.body), "string")
    assert.same(cjson.decode(a.body), b.body, "request " .. k)
    assert.equal(a.path, b.path)
    assert.equal(a.stream, b.stream == true)
    assert.equal(a.i, b.i)
    assert.equal(a.mix, b.mix)
    names[a.mix] = true
  end
  assert.equal(seen, 200)
  assert.same(names, { text = true, image = true, speech = true, ta = true })
  -- a few bodies, built once each: entries x prompts
  local bodies = 0
  for _, by_prompt in pairs(cached.bodies) do for _ in pairs(by_prompt) do bodies = bodies + 1 end end
  assert.truthy(bodies <= 3 * 5 + 1, "bodies cached: " .. bodies)
end)
