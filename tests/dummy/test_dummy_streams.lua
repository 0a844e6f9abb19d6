-- Many concurrent text+audio streams must each end with [DONE], quickly.
-- Regression: a stream's big audio chunks filled the server's output buffer
-- (256 KiB high water); when the socket then took everything at once no
-- EPOLLOUT edge came and no timer was set, so the stream stopped before its
-- last events and the connection stayed open until the client gave up
-- (curl -N, 4 in flight: 39 of 40 streams cut at itl 0, some at itl 1 ms).
-- Checked with omni.http (both transports) and with curl processes.
local omni = require "omni"
local assert = require "omni.assert"
local http = require "omni.http"
local proc = require "omni.proc"
local dummy = require "omni.core.dummy"
local clock = require "omni.core.clock"
local cjson = require "cjson"

-- 40 text tokens, 12 s of audio: 24 audio chunks of ~32 KB (~770 KB a stream,
-- three times the server's output high water)
local TOKENS, AUDIO_CHUNKS = 40, 24
local EVENTS = TOKENS + AUDIO_CHUNKS + 1 -- + [DONE]
-- a healthy stream here takes milliseconds; a cut one waits for the client's idle timeout
local STREAM_BOUND_S = 5

local function body(i)
  return { model = "omni-dummy", stream = true,
    messages = { { role = "user", content = "tell a long story number " .. i } } }
end

omni.test("text_audio_streams_all_end_with_done_omni_http", {
  timeout = 120,
  params = { itl = { 0, 1 }, transport = { "auto", "curl" }, concurrency = { 4, 32 } },
}, function(itl, transport, concurrency)
  local s <close> = assert.not_nil(dummy.start { port = 0, itl_ms = itl, output_tokens = TOKENS })
  local url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions"
  local n = 64
  local reqs = {}
  for i = 1, n do
    reqs[i] = { url = url, stream = true, body = body(i), transport = transport, api_key = false,
      timeout = STREAM_BOUND_S + 5, idle_timeout = STREAM_BOUND_S }
  end
  local res = http.batch(reqs, { concurrency = concurrency })
  local cut = {}
  for i, r in ipairs(res) do
    local evs = r.ok and r.events or (r.partial and r.partial.events) or {}
    local last = evs[#evs] and evs[#evs].data
    local secs = r.ok and (r.t_end_ns - r.t_start_ns) / 1e9 or nil
    if not r.ok or #evs ~= EVENTS or last ~= "[DONE]" or secs > STREAM_BOUND_S then
      cut[#cut + 1] = string.format("#%d: %s, %d events, last %q", i, r.ok and string.format("%.2f s", secs)
        or tostring(r.code), #evs, tostring(last):sub(1, 40))
    end
  end
  assert.equal(#cut, 0, string.format("%d of %d streams did not end with [DONE] in time:\n%s", #cut, n,
    table.concat(cut, "\n", 1, math.min(#cut, 8))))
end)

-- curl -N, several processes in flight, as the bug was first seen.
omni.test("text_audio_streams_all_end_with_done_curl", {
  timeout = 120, params = { itl = { 0, 1 } },
}, function(itl, tmp_path)
  local s <close> = assert.not_nil(dummy.start { port = 0, itl_ms = itl, output_tokens = TOKENS })
  local url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions"
  local n, inflight = 40, 4
  local running, done, cut = {}, 0, {}
  local function finish(p)
    local code = p.proc:wait(STREAM_BOUND_S + 5)
    if code == nil then p.proc:stop(1) end
    local f = io.open(p.out, "rb")
    local out = f and f:read("a") or ""
    if f then f:close() end
    local events = select(2, out:gsub("data: ", ""))
    if code ~= 0 or events ~= EVENTS or out:sub(-14) ~= "data: [DONE]\n\n" then
      cut[#cut + 1] = string.format("#%d: curl exit %s, %d events, ends %q", p.i, tostring(code), events, out:sub(-40))
    end
    done = done + 1
  end
  for i = 1, n do
    if #running == inflight then finish(table.remove(running, 1)) end
    local out = tmp_path .. "/s" .. i .. ".txt"
    local p = assert.not_nil(proc.spawn({ "curl", "-sS", "-N", "-m", tostring(STREAM_BOUND_S), url,
      "-H", "Content-Type: application/json", "-d", cjson.encode(body(i)) }, { stdout = out, stderr = out .. ".err" }))
    running[#running + 1] = { proc = p, out = out, i = i }
  end
  while #running > 0 do finish(table.remove(running, 1)) end
  assert.equal(done, n)
  assert.equal(#cut, 0, string.format("%d of %d curl streams did not end with [DONE] within %d s:\n%s", #cut, n,
    STREAM_BOUND_S, table.concat(cut, "\n", 1, math.min(#cut, 8))))
end)

-- Non-streaming text+audio answers (a ~1 MB body each) under concurrency:
-- complete, valid JSON, the audio of every answer whole.
omni.test("text_audio_non_stream_concurrent_complete", {
  timeout = 120, params = { transport = { "auto", "curl" } },
}, function(transport)
  local s <close> = assert.not_nil(dummy.start { port = 0, itl_ms = 0, output_tokens = TOKENS })
  local url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions"
  local reqs = {}
  for i = 1, 64 do
    local b = body(i)
    b.stream = false
    reqs[i] = { url = url, method = "POST", body = b, transport = transport, api_key = false, timeout = 10 }
  end
  local t0 = clock.now_ns()
  local res = http.batch(reqs, { concurrency = 16 })
  for i, r in ipairs(res) do
    assert.truthy(r.ok, "request " .. i .. ": " .. tostring(r.err))
    assert.equal(r.status, 200)
    local j = cjson.decode(r.body)
    assert.equal(#j.choices, 2, "request " .. i)
    -- 12 s of PCM16 mono at 24 kHz plus the 44-byte header, base64
    assert.equal(#j.choices[2].message.audio.data, (44 + 12 * 24000 * 2 + 2) // 3 * 4, "request " .. i)
  end
  assert.truthy((clock.now_ns() - t0) / 1e9 < 30)
end)
