-- Every relative link in docs/**/*.md and README.md points at a file that
-- exists, and a `#fragment` into a Markdown file names one of its headings
-- (GitHub's anchors) or an explicit <a id="...">. Links inside code are not links.
local omni = require "omni"
local assert = require "omni.assert"
local fs = require "omni.core.fs"

local read = require("omni.files").read

local function markdown_files()
  local out = { "README.md" }
  local function walk(dir)
    for _, name in ipairs(assert(fs.list(dir))) do
      local p = dir .. "/" .. name
      local st = fs.stat(p)
      if st and st.type == "directory" then walk(p)
      elseif name:match("%.md$") then out[#out + 1] = p end
    end
  end
  walk("docs")
  return out
end

-- The text without fenced code blocks and inline code spans.
local function prose(text)
  local out, in_fence = {}, false
  for line in (text .. "\n"):gmatch("(.-)\n") do
    if line:match("^%s*```") then
      in_fence = not in_fence
      out[#out + 1] = ""
    else
      out[#out + 1] = in_fence and "" or line:gsub("`[^`]*`", "")
    end
  end
  return out
end

-- GitHub's heading anchors (lower case, punctuation dropped, spaces to -,
-- repeats numbered) and explicit <a id> / <a name> anchors.
local function anchors(text)
  local set, seen = {}, {}
  for _, line in ipairs(prose(text)) do
    local h = line:match("^#+%s+(.-)%s*#*%s*$")
    if h then
      local slug = h:lower():gsub("[^%w%s%-_]", ""):gsub("%s", "-")
      local n = seen[slug]
      seen[slug] = (n or 0) + 1
      set[n and (slug .. "-" .. n) or slug] = true
    end
  end
  for id in text:gmatch('<a%s+[ni][ad]m?e?="([^"]+)"') do set[id] = true end
  return set
end

local function dir_of(path) return path:match("^(.*)/[^/]*$") or "." end

-- Problems as "file:line: link -> why".
local function broken_links(path)
  local text = assert(read(path))
  local problems = {}
  for n, line in ipairs(prose(text)) do
    for target in line:gmatch("%]%(([^%)%s]+)[^%)]*%)") do
      if not target:match("^%a[%w+.-]*:") then -- http:, https:, mailto:
        local file, frag = target:match("^([^#]*)#?(.*)$")
        local resolved = file == "" and path or (dir_of(path) .. "/" .. file)
        local st = fs.stat(resolved)
        if not st then
          problems[#problems + 1] = string.format("%s:%d: %s -> no such file %s", path, n, target, resolved)
        elseif frag ~= "" and resolved:match("%.md$") and not anchors(read(resolved))[frag] then
          problems[#problems + 1] = string.format("%s:%d: %s -> no anchor #%s in %s", path, n, target, frag, resolved)
        end
      end
    end
  end
  return problems
end

omni.test("relative_links_resolve", { marks = { "core_model", "cpu" } }, function()
  local problems, files = {}, markdown_files()
  assert.truthy(#files >= 10, "markdown files found: " .. #files)
  for _, path in ipairs(files) do
    for _, p in ipairs(broken_links(path)) do problems[#problems + 1] = p end
  end
  assert.same(problems, {})
end)

omni.test("link_checker_finds_broken_links", { marks = { "core_model", "cpu" } }, function(tmp_path)
  local dir = tmp_path .. "/docs"
  assert(fs.mkdir(dir .. "/guide"))
  local f = assert(io.open(dir .. "/guide/a.md", "w"))
  f:write("# Title here\n\n## Second: part\n\n[ok](b.md) [ok2](#second-part) [web](https://x.invalid/y)\n",
    "[missing](nope.md) [bad anchor](b.md#nowhere) [anchor](b.md#kept)\n",
    "`[in code](nope2.md)`\n```\n[in fence](nope3.md)\n```\n")
  f:close()
  f = assert(io.open(dir .. "/guide/b.md", "w"))
  f:write('<a id="kept"></a>\n# B\n')
  f:close()
  local problems = broken_links(dir .. "/guide/a.md")
  assert.equal(#problems, 2, table.concat(problems, "\n"))
  assert.contains(problems[1], "a.md:6: nope.md -> no such file")
  assert.contains(problems[2], "a.md:6: b.md#nowhere -> no anchor #nowhere")
end)

omni.test("docs_index_lists_every_document", { marks = { "core_model", "cpu" } }, function()
  local index = assert(read("docs/README.md"))
  local missing = {}
  for _, path in ipairs(markdown_files()) do
    local rel = path:match("^docs/(.*)$")
    if rel and rel ~= "README.md" and not index:find("](" .. rel .. ")", 1, true) then
      missing[#missing + 1] = path
    end
  end
  for _, name in ipairs(assert(fs.list("docs/ci"))) do
    if not index:find("](ci/" .. name .. ")", 1, true) then missing[#missing + 1] = "docs/ci/" .. name end
  end
  assert.same(missing, {}, "add these to the index in docs/README.md")
end)
