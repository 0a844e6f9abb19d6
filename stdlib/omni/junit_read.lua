--- Reads JUnit XML (pytest's, Maven surefire's, omnilua's own) into result
--- records of the runner's shape, so a foreign suite's results join the
--- level's report. Only what JUnit carries is read: testsuite/testcase with
--- classname, name, file, line, time; failure, error, skipped (message,
--- type, text); system-out/system-err. A malformed file is an error naming
--- the file and the line, never a crash.
local M = {}

local ENT = { lt = "<", gt = ">", amp = "&", quot = '"', apos = "'" }

local function unescape(s)
  return (s:gsub("&(#?x?)(%w+);", function(kind, v)
    if kind == "" then return ENT[v] or ("&" .. v .. ";") end
    local n = tonumber(v, kind == "#x" and 16 or 10)
    if not n or n > 0x10FFFF then return "&" .. kind .. v .. ";" end
    return utf8.char(n)
  end))
end

local function parse_attrs(s, where)
  local attrs = {}
  local pos = 1
  while true do
    local ws, name, q, stop = s:match("^(%s*)([%w_:%.%-]+)%s*=%s*([\"'])()", pos)
    if not name then
      if s:sub(pos):match("^%s*$") then return attrs end
      return nil, where .. ": malformed attribute near '" .. s:sub(pos, pos + 20) .. "'"
    end
    if ws == "" and pos > 1 then return nil, where .. ": attributes must be separated by spaces" end
    local close = s:find(q, stop, true)
    if not close then return nil, where .. ": unterminated attribute value for '" .. name .. "'" end
    attrs[name] = unescape(s:sub(stop, close - 1))
    pos = close + 1
  end
end

--- Parses XML text into a tree of { tag, attrs, children, text, line }.
---@param text string
---@param name string file name, for messages
---@return table? root, string? err
function M.parse_xml(text, name)
  local root = { tag = "#document", children = {}, text = "" }
  local stack = { root }
  local pos, n = 1, #text
  local function line_at(p)
    local l = 1
    for _ in text:sub(1, p):gmatch("\n") do l = l + 1 end
    return l
  end
  while pos <= n do
    local lt = text:find("<", pos, true)
    local chunk = text:sub(pos, (lt or n + 1) - 1)
    if chunk ~= "" then
      local top = stack[#stack]
      top.text = top.text .. unescape(chunk)
    end
    if not lt then break end
    local where = name .. ":" .. line_at(lt)
    if text:sub(lt, lt + 3) == "<!--" then
      local e = text:find("-->", lt + 4, true)
      if not e then return nil, where .. ": unterminated comment" end
      pos = e + 3
    elseif text:sub(lt, lt + 8) == "<![CDATA[" then
      local e = text:find("]]>", lt + 9, true)
      if not e then return nil, where .. ": unterminated CDATA section" end
      local top = stack[#stack]
      top.text = top.text .. text:sub(lt + 9, e - 1)
      pos = e + 3
    elseif text:sub(lt, lt + 1) == "<?" or text:sub(lt, lt + 1) == "<!" then
      local e = text:find(">", lt, true)
      if not e then return nil, where .. ": unterminated declaration" end
      pos = e + 1
    elseif text:sub(lt, lt + 1) == "</" then
      local tag, e = text:match("^</([%w_:%.%-]+)%s*>()", lt)
      if not tag then return nil, where .. ": malformed closing tag" end
      local top = stack[#stack]
      if #stack == 1 or top.tag ~= tag then
        return nil, string.format("%s: closing tag </%s> does not match <%s>", where, tag, top.tag)
      end
      stack[#stack] = nil
      pos = e
    else
      local tag, rest, e = text:match("^<([%w_:%.%-]+)(.-)>()", lt)
      if not tag then return nil, where .. ": malformed tag" end
      local selfclose = rest:sub(-1) == "/"
      if selfclose then rest = rest:sub(1, -2) end
      local attrs, err = parse_attrs(rest, where)
      if not attrs then return nil, err end
      local node = { tag = tag, attrs = attrs, children = {}, text = "", line = line_at(lt) }
      local top = stack[#stack]
      top.children[#top.children + 1] = node
      if not selfclose then stack[#stack + 1] = node end
      pos = e
    end
  end
  if #stack > 1 then
    return nil, string.format("%s: unexpected end of file: <%s> (line %d) is not closed", name, stack[#stack].tag, stack[#stack].line)
  end
  return root
end

local function first_line(s)
  s = s or ""
  return (s:match("^%s*([^\n]*)") or s)
end

local function testcase_record(tc, suite, file_hint)
  local a = tc.attrs
  local classname = a.classname or suite or ""
  local name = a.name or "?"
  local file = a.file
  local rec = {
    nodeid = (file or file_hint or classname) .. "::" .. (file and classname ~= "" and (classname .. "::") or "") .. name,
    name = name, classname = classname, file = file or file_hint,
    line = a.line and math.tointeger(tonumber(a.line)) or nil, duration = tonumber(a.time) or 0,
    outcome = "passed", when = "call", marks = {}, params = {},
  }
  if not a.file then rec.nodeid = (classname ~= "" and classname or (file_hint or "?")) .. "::" .. name end
  for _, ch in ipairs(tc.children) do
    if ch.tag == "failure" or ch.tag == "error" then
      rec.outcome = ch.tag == "failure" and "failed" or "error"
      local msg = ch.attrs.message or first_line(ch.text)
      rec.message = (ch.attrs.type and msg ~= "" and not msg:find(ch.attrs.type, 1, true)) and (ch.attrs.type .. ": " .. msg) or msg
      rec.longrepr = ch.text ~= "" and ch.text or rec.message
      if ch.tag == "error" then rec.when = "setup" end
    elseif ch.tag == "skipped" then
      rec.outcome = "skipped"
      rec.reason = ch.attrs.message or first_line(ch.text)
      rec.message = rec.reason
    elseif ch.tag == "system-out" then
      rec.stdout = ch.text
    elseif ch.tag == "system-err" then
      rec.stderr = ch.text
    end
  end
  return rec
end

--- Reads result records out of JUnit XML text.
---@param text string
---@param name string? file name, for messages and node ids
---@return table[]? records, string? err
function M.parse(text, name)
  name = name or "junit.xml"
  local doc, err = M.parse_xml(text, name)
  if not doc then return nil, err end
  local top = doc.children[1]
  if not top or (top.tag ~= "testsuites" and top.tag ~= "testsuite") then
    return nil, name .. ": not JUnit XML (expected <testsuites> or <testsuite>, got " ..
      (top and ("<" .. top.tag .. ">") or "no element") .. ")"
  end
  local records = {}
  local function walk(node, suite)
    for _, ch in ipairs(node.children) do
      if ch.tag == "testsuite" then
        walk(ch, ch.attrs.name or suite)
      elseif ch.tag == "testcase" then
        records[#records + 1] = testcase_record(ch, suite, name)
      end
    end
  end
  if top.tag == "testsuite" then walk(top, top.attrs.name) else walk(top, nil) end
  return records
end

--- Reads result records from a JUnit XML file.
---@param path string
---@return table[]? records, string? err
function M.read(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, "JUnit file " .. path .. " not found (" .. tostring(err) .. ")" end
  local text = f:read("a")
  f:close()
  if text:match("^%s*$") then return nil, path .. ": JUnit file is empty" end
  return M.parse(text, path)
end

return M
