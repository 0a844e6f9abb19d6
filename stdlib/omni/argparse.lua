--- Command-line parsing shared by every `omnilua` command, so that all of
--- them take flags the same way (`--name value`, `--name=value`, `-x`, `-n4`,
--- `--` ends options) and report mistakes the same way: a usage error, exit 4.
local M = {}

local UsageError = {}
UsageError.__index = UsageError
UsageError.__tostring = function(e) return e.message end

--- Raises a usage error (exit code 4 in the CLI dispatcher).
---@param fmt string
function M.usage_error(fmt, ...)
  error(setmetatable({ message = string.format(fmt, ...) }, UsageError), 0)
end

---@return boolean
function M.is_usage_error(e) return getmetatable(e) == UsageError end

local function closest(word, candidates)
  -- Levenshtein distance, to suggest a likely intended flag.
  local best, best_d
  for _, c in ipairs(candidates) do
    local a, b = word, c
    local prev = {}
    for j = 0, #b do prev[j] = j end
    for i = 1, #a do
      local cur = { [0] = i }
      for j = 1, #b do
        local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
        cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      end
      prev = cur
    end
    if not best_d or prev[#b] < best_d then best, best_d = c, prev[#b] end
  end
  if best_d and best_d <= math.max(2, #word // 3) then return best end
end
M.closest = closest

---@class omni.ArgSpec
---@field [1] string long name, e.g. "--timeout"
---@field short? string e.g. "-x"
---@field kind? "flag"|"string"|"number"|"integer"|"count"|"list" default "string"
---@field dest? string key in the result (default: long name without dashes, '-' -> '_')
---@field default? any
---@field help? string
---@field metavar? string
---@field choices? string[]

--- Parses `args` (a list of strings) against `spec`.
--- Returns the options table; positional arguments are in `result.positional`.
---@param command string the command's name, for messages
---@param spec omni.ArgSpec[]
---@param args string[]
---@return table
function M.parse(command, spec, args)
  local by_name, longs = {}, {}
  local out = { positional = {} }
  for _, s in ipairs(spec) do
    s.kind = s.kind or "string"
    s.dest = s.dest or s[1]:gsub("^%-+", ""):gsub("%-", "_")
    by_name[s[1]] = s
    longs[#longs + 1] = s[1]
    if s.short then by_name[s.short] = s end
    if s.default ~= nil then
      out[s.dest] = s.default
    elseif s.kind == "list" then
      out[s.dest] = {}
    elseif s.kind == "count" then
      out[s.dest] = 0
    end
  end

  local function convert(s, name, value)
    if s.kind == "number" or s.kind == "integer" then
      local n = tonumber(value)
      if not n or (s.kind == "integer" and math.type(n) ~= "integer" and n ~= math.floor(n)) then
        M.usage_error("%s: %s expects %s, got '%s'", command, name,
          s.kind == "integer" and "an integer" or "a number", value)
      end
      return s.kind == "integer" and math.tointeger(n) or n
    end
    if s.choices then
      for _, c in ipairs(s.choices) do if c == value then return value end end
      M.usage_error("%s: %s must be one of %s, got '%s'", command, name,
        table.concat(s.choices, ", "), value)
    end
    return value
  end

  local function store(s, name, value)
    if s.kind == "flag" then
      out[s.dest] = true
    elseif s.kind == "count" then
      out[s.dest] = out[s.dest] + 1
    elseif s.kind == "list" then
      local l = out[s.dest]
      l[#l + 1] = convert(s, name, value)
    else
      out[s.dest] = convert(s, name, value)
    end
  end

  local i, n = 1, #args
  while i <= n do
    local a = args[i]
    if a == "--" then
      for j = i + 1, n do out.positional[#out.positional + 1] = args[j] end
      break
    elseif a:sub(1, 2) == "--" and #a > 2 then
      local name, value = a:match("^(%-%-[^=]+)=(.*)$")
      name = name or a
      local s = by_name[name]
      if not s then
        local hint = closest(name, longs)
        M.usage_error("%s: unrecognized option '%s'%s", command, name,
          hint and (" (did you mean '" .. hint .. "'?)") or "")
      end
      if s.kind == "flag" or s.kind == "count" then
        if value then M.usage_error("%s: option '%s' takes no value", command, name) end
        store(s, name)
      else
        if not value then
          i = i + 1
          value = args[i]
          if value == nil then M.usage_error("%s: option '%s' expects a value", command, name) end
        end
        store(s, name, value)
      end
    elseif a:sub(1, 1) == "-" and #a > 1 and not tonumber(a) then
      -- short options: -v, -vv, -x, -n4, -n 4, -k EXPR
      local j = 2
      while j <= #a do
        local name = "-" .. a:sub(j, j)
        local s = by_name[name]
        if not s then M.usage_error("%s: unrecognized option '%s'", command, name) end
        if s.kind == "flag" or s.kind == "count" then
          store(s, name)
          j = j + 1
        else
          local value = a:sub(j + 1)
          if value == "" then
            i = i + 1
            value = args[i]
            if value == nil then M.usage_error("%s: option '%s' expects a value", command, name) end
          end
          store(s, name, value)
          break
        end
      end
    else
      out.positional[#out.positional + 1] = a
    end
    i = i + 1
  end
  return out
end

--- Formats the options of `spec` for --help.
---@param spec omni.ArgSpec[]
---@return string
function M.help(spec)
  local lines = {}
  for _, s in ipairs(spec) do
    local left = (s.short and (s.short .. ", ") or "    ") .. s[1]
    if s.kind ~= "flag" and s.kind ~= "count" then left = left .. " " .. (s.metavar or "VALUE") end
    lines[#lines + 1] = string.format("  %-28s %s", left, s.help or "")
  end
  return table.concat(lines, "\n")
end

return M
