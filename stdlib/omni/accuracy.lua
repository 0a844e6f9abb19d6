--- omni.accuracy: "accuracy compliance" for L3. A small evaluation set
--- (JSONL: prompts with an expected answer or key words) is sent to a
--- server, each answer is scored, and the score (a share in [0, 1]) is
--- checked against the config's threshold and baseline.
---
--- ```lua
--- local accuracy = require "omni.accuracy"
--- local cfg = assert(accuracy.load_config("tests/e2e/accuracy/accuracy.json", "eval_small"))
--- local items = assert(accuracy.load(cfg.dataset))
--- local report = accuracy.run({ base_url = server.base_url, model = server.model, items = items })
--- accuracy.assert(report, cfg)   -- raises: score, threshold, baseline, worst items
--- ```
---
--- An item (one JSONL line): `id`, `prompt` (or `messages`, OpenAI chat
--- format), `max_tokens`?, and what a good answer is:
--- * `match = "exact"`: the normalised answer equals the normalised `answer`
---   (a string, or a list of accepted strings);
--- * `match = "contains"`: the normalised answer contains at least one of
---   `key_words` (normalised) — the reference suites' key-word rule;
--- * `match = "numeric"`: the last number of the answer is within
---   `tolerance` (default 0) of `answer` (a number); number words count.
--- Without `match`: numeric when `answer` is a number, contains with
--- `key_words`, else exact. Normalisation is the reference client's: lower
--- case, number words zero..ten to digits, punctuation dropped, spaces
--- collapsed. An item scores 1 or 0; the report's score is the mean.
local cjson = require "cjson"
local similarity = require "omni.openai.similarity"

local M = {}

M.WORST = 5 -- items shown in a failure message

--- The reference normalisation (lower case, number words to digits, no
--- punctuation, single spaces).
---@param s string
---@return string
function M.normalize(s) return similarity.normalize(s) end

local NUMBER_WORDS = { zero = "0", one = "1", two = "2", three = "3", four = "4", five = "5", six = "6",
  seven = "7", eight = "8", nine = "9", ten = "10" }

--- The numbers of a text, in order. Number words count; decimal points,
--- signs and thousands separators are kept (unlike `normalize`, which drops
--- the punctuation they are made of).
---@param s string
---@return number[]
function M.numbers(s)
  s = s:lower():gsub("%a+", NUMBER_WORDS)
  local out = {}
  for sign, num in s:gmatch("(%-?)(%d[%d,]*%.?%d*)") do
    num = num:gsub(",", ""):gsub("%.$", "")
    local v = tonumber(num)
    if v then out[#out + 1] = sign == "-" and -v or v end
  end
  return out
end

local function match_of(item)
  if item.match then return item.match end
  if type(item.answer) == "number" then return "numeric" end
  if item.key_words then return "contains" end
  return "exact"
end

local function list_of(v) return type(v) == "table" and v or { v } end

local function excerpt(s, n)
  n = n or 80
  s = tostring(s):gsub("%s+", " ")
  if #s > n then s = s:sub(1, n - 3) .. "..." end
  return s
end

--- What a good answer for the item is, in words (for messages).
---@param item table
---@return string
function M.expected_text(item)
  local m = match_of(item)
  if m == "numeric" then
    local tol = item.tolerance or 0
    return tol > 0 and string.format("the number %s (± %s)", item.answer, tol) or "the number " .. tostring(item.answer)
  elseif m == "contains" then
    return "any of {" .. table.concat(item.key_words, ", ") .. "}"
  end
  local parts = {}
  for _, a in ipairs(list_of(item.answer)) do parts[#parts + 1] = string.format("%q", a) end
  return "exactly " .. table.concat(parts, " or ")
end

--- Scores one answer: 1 (good) or 0, and why not. `err` is the request's
--- failure, if any (an item whose request failed scores 0).
---@param item table
---@param answer string?
---@param err string?
---@return integer score, string? why, number? off how far a numeric answer is off
function M.score(item, answer, err)
  if err then return 0, "request failed: " .. err end
  if type(answer) ~= "string" then return 0, "no text in the answer" end
  local m = match_of(item)
  if m == "exact" then
    local got = M.normalize(answer)
    for _, a in ipairs(list_of(item.answer)) do
      if got == M.normalize(a) then return 1 end
    end
    return 0, "not equal"
  elseif m == "contains" then
    local got = M.normalize(answer)
    for _, k in ipairs(item.key_words) do
      if got:find(M.normalize(k), 1, true) then return 1 end
    end
    return 0, "no key word"
  elseif m == "numeric" then
    local nums = M.numbers(answer)
    local last = nums[#nums]
    if not last then return 0, "no number" end
    local off = math.abs(last - item.answer)
    if off <= (item.tolerance or 0) then return 1 end
    return 0, string.format("got %s (off by %s)", last, off), off
  end
  error("unknown match kind '" .. tostring(m) .. "'")
end

local MATCHES = { exact = true, contains = true, numeric = true }

local function check_item(it)
  if type(it) ~= "table" then return "an object expected" end
  if it.prompt == nil and it.messages == nil then return "needs 'prompt' or 'messages'" end
  if it.prompt ~= nil and type(it.prompt) ~= "string" then return "'prompt' must be a string" end
  if it.messages ~= nil and type(it.messages) ~= "table" then return "'messages' must be a list" end
  if it.match ~= nil and not MATCHES[it.match] then
    return "'match' must be exact, contains or numeric, got " .. tostring(it.match)
  end
  local m = match_of(it)
  if m == "contains" then
    if type(it.key_words) ~= "table" or #it.key_words == 0 then return "'key_words' must be a non-empty list" end
    for _, k in ipairs(it.key_words) do
      if type(k) ~= "string" then return "'key_words' must hold strings" end
    end
  elseif m == "numeric" then
    if type(it.answer) ~= "number" then return "'answer' must be a number for match numeric" end
    if it.tolerance ~= nil and (type(it.tolerance) ~= "number" or it.tolerance < 0) then
      return "'tolerance' must be a non-negative number"
    end
  else
    local ok = type(it.answer) == "string" or (type(it.answer) == "table" and #it.answer > 0)
    if ok and type(it.answer) == "table" then
      for _, a in ipairs(it.answer) do ok = ok and type(a) == "string" end
    end
    if not ok then return "'answer' must be a string or a list of strings for match exact" end
  end
end

--- Reads an evaluation set (JSONL; blank lines and lines starting with `#`
--- are skipped). Ids default to the line number.
---@param path string
---@return table[]? items, string? err
function M.load(path)
  local f, err = io.open(path, "r")
  if not f then return nil, "accuracy: cannot read the evaluation set: " .. tostring(err) end
  local items, seen, n = {}, {}, 0
  for line in f:lines() do
    n = n + 1
    if line:match("%S") and not line:match("^%s*#") then
      local ok, it = pcall(cjson.decode, line)
      local why = not ok and ("not JSON: " .. tostring(it)) or check_item(it)
      if why then
        f:close()
        return nil, string.format("%s:%d: %s", path, n, why)
      end
      local id = it.id
      if type(id) == "number" then id = math.tointeger(id) or id end -- cjson reads 1 as 1.0
      it.id = id ~= nil and tostring(id) or string.format("%04d", n)
      if seen[it.id] then
        f:close()
        return nil, string.format("%s:%d: duplicate id '%s' (first on line %d)", path, n, it.id, seen[it.id])
      end
      seen[it.id] = n
      items[#items + 1] = it
    end
  end
  f:close()
  if #items == 0 then return nil, path .. ": no items" end
  return items
end

--- Reads one evaluation's settings from a JSON config:
--- `{NAME: {dataset, threshold, baseline?, max_drop?}}`. `dataset` is
--- relative to the config's folder. The score must be ≥ threshold and ≥
--- baseline − max_drop (max_drop default 0).
---@param path string
---@param name string
---@return table? cfg, string? err
function M.load_config(path, name)
  local f, err = io.open(path, "r")
  if not f then return nil, "accuracy: cannot read the config: " .. tostring(err) end
  local ok, all = pcall(cjson.decode, f:read("a"))
  f:close()
  if not ok then return nil, path .. ": not JSON: " .. tostring(all) end
  local c = type(all) == "table" and all[name]
  if type(c) ~= "table" then return nil, string.format("%s: no evaluation '%s'", path, name) end
  local function num(k, need)
    local v = c[k]
    if v == nil and not need then return true end
    if type(v) ~= "number" or v < 0 or v > 1 then
      local got = type(v) == "number" and string.format("%g", v) or tostring(v)
      return nil, string.format("%s: %s.%s must be a number in [0, 1], got %s", path, name, k, got)
    end
    return true
  end
  for _, k in ipairs({ "threshold", "baseline", "max_drop" }) do
    local good, e = num(k, k == "threshold")
    if not good then return nil, e end
  end
  if type(c.dataset) ~= "string" then return nil, string.format("%s: %s.dataset must be a file name", path, name) end
  local dir = path:match("^(.*)/[^/]*$") or "."
  local dataset = c.dataset:sub(1, 1) == "/" and c.dataset or (dir .. "/" .. c.dataset)
  return { name = name, dataset = dataset, threshold = c.threshold, baseline = c.baseline, max_drop = c.max_drop or 0 }
end

--- Scores answers (answers[i] for items[i]; errors[i] a request failure).
--- Report: {score, correct, total, items = {{id, score, why, expected, answer, off?}}}.
---@param items table[]
---@param answers (string|false)[]
---@param errors? table<integer, string>
---@return table report
function M.evaluate(items, answers, errors)
  errors = errors or {}
  local rows, correct = {}, 0
  for i, it in ipairs(items) do
    local a = answers[i]
    if a == false then a = nil end
    local s, why, off = M.score(it, a, errors[i])
    correct = correct + s
    rows[i] = { id = it.id, score = s, why = why, off = off, expected = M.expected_text(it), answer = a, index = i }
  end
  return { score = #items > 0 and correct / #items or 0, correct = correct, total = #items, items = rows }
end

local function chat_body(item, model)
  local messages = item.messages or { { role = "user", content = item.prompt } }
  return { model = model, messages = messages, stream = false, modalities = { "text" },
    max_tokens = item.max_tokens, temperature = 0 }
end

local function answer_text(body)
  local ok, v = pcall(cjson.decode, body)
  if not ok or type(v) ~= "table" or type(v.choices) ~= "table" then return nil, "not a chat completion" end
  for _, c in ipairs(v.choices) do -- the text may be in any choice (omni servers add an audio one)
    local content = type(c) == "table" and type(c.message) == "table" and c.message.content
    if type(content) == "string" then return content end
  end
  return nil, "no text in any choice"
end

--- Sends every item to a server (non-streaming chat completions, text
--- output, temperature 0) and scores the answers.
---@param opts {base_url: string, model: string, items: table[], concurrency?: integer, timeout?: number, api_key?: string|false}
---@return table report see `evaluate`
function M.run(opts)
  local http = require "omni.http"
  assert(type(opts.base_url) == "string", "accuracy.run: base_url expected")
  assert(type(opts.model) == "string", "accuracy.run: model expected")
  local base = opts.base_url:gsub("/+$", ""):gsub("/v1$", "")
  local reqs = {}
  for i, it in ipairs(opts.items) do
    reqs[i] = { url = base .. "/v1/chat/completions", method = "POST", body = chat_body(it, opts.model),
      timeout = opts.timeout or 120, api_key = opts.api_key }
  end
  local results = http.batch(reqs, { concurrency = opts.concurrency or 8 })
  local answers, errors = {}, {}
  for i, r in ipairs(results) do
    if not r.ok then
      answers[i], errors[i] = false, string.format("%s (%s)", tostring(r.err), tostring(r.code))
    elseif r.status ~= 200 then
      answers[i], errors[i] = false, string.format("HTTP %d: %s", r.status, excerpt(r.body))
    else
      local text, err = answer_text(r.body)
      answers[i], errors[i] = text or false, err
    end
  end
  return M.evaluate(opts.items, answers, errors)
end

--- The items that scored worst (0 first; numeric misses by how far off),
--- at most n, in set order among equals.
---@param report table
---@param n? integer
---@return table[]
function M.worst(report, n)
  local bad = {}
  for _, r in ipairs(report.items) do
    if r.score < 1 then bad[#bad + 1] = r end
  end
  table.sort(bad, function(a, b)
    if a.score ~= b.score then return a.score < b.score end
    if (a.off or 0) ~= (b.off or 0) then return (a.off or 0) > (b.off or 0) end
    return a.index < b.index
  end)
  local out = {}
  for i = 1, math.min(n or M.WORST, #bad) do out[i] = bad[i] end
  return out, #bad
end

--- Checks a report against the config: score ≥ threshold and, with a
--- baseline, score ≥ baseline − max_drop. Returns true, or false and a
--- message with the score, the limits and the worst items.
---@param report table
---@param cfg {name?: string, threshold: number, baseline?: number, max_drop?: number}
---@return boolean ok, string? message
function M.check(report, cfg)
  local fails = {}
  if report.score < cfg.threshold then
    fails[#fails + 1] = string.format("below the threshold %.3f", cfg.threshold)
  end
  if cfg.baseline then
    local floor = cfg.baseline - (cfg.max_drop or 0)
    if report.score < floor - 1e-12 then
      fails[#fails + 1] = string.format("below the baseline %.3f - max_drop %.3f = %.3f", cfg.baseline, cfg.max_drop or 0, floor)
    end
  end
  if #fails == 0 then return true end
  local lines = { string.format("accuracy%s %.3f (%d/%d correct) is %s", cfg.name and (" of " .. cfg.name) or "",
    report.score, report.correct, report.total, table.concat(fails, " and ")) }
  local worst, nbad = M.worst(report)
  lines[#lines + 1] = string.format("worst items (%d of %d wrong):", #worst, nbad)
  for _, r in ipairs(worst) do
    lines[#lines + 1] = string.format("  %s: expected %s; %s; answer: %s", r.id, r.expected, r.why or "wrong",
      r.answer and string.format("%q", excerpt(r.answer)) or "none")
  end
  return false, table.concat(lines, "\n")
end

--- `check`, raising the message on failure (fails the test).
---@param report table
---@param cfg table
function M.assert(report, cfg)
  local ok, msg = M.check(report, cfg)
  if not ok then error(msg, 2) end
end

return M
