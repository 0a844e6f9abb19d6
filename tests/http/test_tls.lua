-- https for real: a self-signed certificate made here with openssl, a
-- Python TLS server, and omni.http (libcurl's transport) verifying it with
-- `cainfo`, refusing it without, accepting it with `insecure`; SSE over TLS;
-- the API key never appears in a TLS error.
local omni = require "omni"
local assert = require "omni.assert"
local http = require "omni.http"
local proc = require "omni.proc"
local clock = require "omni.core.clock"
local fs = require "omni.core.fs"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."

omni.fixture("tls", { scope = "module" }, function()
  local dir = os.tmpname()
  os.remove(dir)
  assert.truthy(fs.mkdir(dir))
  local cert, key, log = dir .. "/cert.pem", dir .. "/key.pem", dir .. "/server.log"
  local gen = assert.not_nil(proc.run({ "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1" }, { timeout = 60 }))
  assert.equal(gen.code, 0, "openssl req: " .. gen.stderr)
  local p = assert.not_nil(proc.spawn({ "python3", HERE .. "/samples/tls_server.py", cert, key },
    { stdout = log, stderr = log }))
  local port, text
  local t0 = clock.now_ns()
  repeat
    clock.sleep(0.02)
    local f = io.open(log)
    text = f and f:read("a") or ""
    if f then f:close() end
    port = text:match("port (%d+)")
  until port or not p:alive() or clock.now_ns() - t0 > 10e9
  if not port then
    p:stop(1)
    error("TLS server did not start: " .. text)
  end
  coroutine.yield({ url = "https://127.0.0.1:" .. port, cert = cert })
  p:stop(2)
  proc.run({ "rm", "-rf", dir }, { timeout = 10 })
end)

omni.test("verified_with_cainfo", { marks = { "cpu" } }, function(tls)
  local r, err = http.request { url = tls.url .. "/hello", cainfo = tls.cert, timeout = 10 }
  assert.not_nil(r, err)
  assert.equal(r.status, 200)
  assert.equal(r.body, "hello over tls")
  local m = assert.not_nil(http.request { url = tls.url .. "/v1/models", cainfo = tls.cert, api_key = "sk-tls-secret", timeout = 10 })
  assert.equal(m.status, 200, "the bearer token went over TLS")
end)

omni.test("sse_over_tls", { marks = { "cpu" } }, function(tls)
  local r, err = http.stream { url = tls.url .. "/sse", body = "{}", cainfo = tls.cert, json = true, timeout = 10 }
  assert.not_nil(r, err)
  assert.equal(#r.events, 3)
  assert.equal(r.events[2].json.n, 2)
  assert.equal(r.events[3].data, "[DONE]")
end)

omni.test("self_signed_refused_without_cainfo", { marks = { "cpu" } }, function(tls)
  local r, err, code = http.request { url = tls.url .. "/v1/models", api_key = "sk-tls-secret", timeout = 10 }
  assert.is_nil(r)
  assert.equal(code, "ETLS")
  assert.match(err, "^GET https://127%.0%.0%.1:%d+/v1/models: TLS: ")
  assert.match(err:lower(), "certificate")
  assert.falsy(err:find("sk-tls-secret", 1, true), "the API key leaked: " .. err)
  -- A wrong CA file is a TLS error too, and names no secret either.
  local _, err2, code2 = http.request { url = tls.url .. "/hello", cainfo = "/nonexistent/ca.pem", api_key = "sk-tls-secret" }
  assert.equal(code2, "ETLS", err2)
  assert.falsy(err2:find("sk-tls-secret", 1, true), err2)
end)

omni.test("insecure_skips_the_check", { marks = { "cpu" } }, function(tls)
  local r, err = http.request { url = tls.url .. "/hello", insecure = true, timeout = 10 }
  assert.not_nil(r, err)
  assert.equal(r.body, "hello over tls")
end)

omni.test("cainfo_must_be_a_string", { marks = { "cpu" } }, function()
  assert.raises(function() http.request { url = "https://x", cainfo = 1 } end, "bad option 'cainfo'")
end)
