-- Hooks of the weekly stability soak (weekly.json's soak_params.hooks).
-- Release engineers edit this file: custom request mixes and checks,
-- without touching omnilua. See docs/reference/weekly-json.md#hooks.
--
-- request(i, rng, entry, default) -> request | nil
--   Called for every request. i: its number (1-based, across resumes);
--   rng: a seeded generator (rng:uniform(), rng:int(lo, hi), rng:pick(list));
--   entry: the mix entry drawn ({name, modality, weight, ...}); default: the
--   request omnilua built for it ({path, body, stream}; for a "custom" entry
--   a placeholder text chat request, meant to be replaced).
--   Return nil to send the default, a chat body table (sent to
--   /v1/chat/completions), or {path = "/v1/...", body = {...}, stream = bool}.
--
-- check(window, series) -> ok, message
--   Called when a window closes. window: the window record (requests,
--   errors, error_codes, p50_ms, p99_ms, ttft_p99_ms, throughput_rps,
--   tokens_per_s, rss_mb, vram_mb, cpu_pct, t0, t1, index); series:
--   {windows = closed windows so far, events = deaths, restarts, ...}.
--   Return false and a message to fail the "hooks_check" result.
local M = {}

local WORDS = { "river", "mountain", "signal", "lantern", "harbor", "meadow", "engine", "violet" }

function M.request(i, rng, entry, default)
  if entry.name == "long_prompt" then
    -- a long text prompt (about 400 words) every so often: memory for long inputs
    local words = {}
    for k = 1, 400 do words[k] = rng:pick(WORDS) end
    return {
      path = "/v1/chat/completions",
      stream = true,
      body = {
        model = default.body.model,
        messages = { { role = "user", content = "Summarise: " .. table.concat(words, " ") } },
        max_tokens = 16, stream = true, modalities = { "text" },
      },
    }
  end
  return nil -- the built-in request for every other entry
end

function M.check(window, series)
  -- time to first token must stay under 2 s at p99 in every window that served requests
  if window.ok > 0 and window.ttft_p99_ms and window.ttft_p99_ms > 2000 then
    return false, string.format("p99 TTFT %.0f ms > 2000 ms", window.ttft_p99_ms)
  end
  return true
end

return M
