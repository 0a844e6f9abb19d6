--- `omnilua lint PATHS`: checks test files against the tests style
--- (docs/contributing/tests_style.md) without running them.
local argparse = require "omni.argparse"
local lint = require "omni.lint"

local SPEC = {
  { "--mark", kind = "list", metavar = "NAME", help = "treat NAME as a registered mark (repeatable)" },
  { "--quiet", short = "-q", kind = "flag", help = "only the problems, no closing line" },
  { "--help", short = "-h", kind = "flag", help = "show this help" },
}

return {
  summary = "check test files against the tests style (names, doc fields, marks, placement)",
  main = function(args)
    local o = argparse.parse("lint", SPEC, args)
    if o.help then
      io.stdout:write("usage: omnilua lint PATHS...\n\noptions:\n", argparse.help(SPEC), "\n")
      return 0
    end
    if #o.positional == 0 then argparse.usage_error("lint: expected test files or folders") end
    local files, missing = lint.files(o.positional)
    if #missing > 0 then argparse.usage_error("lint: not found: %s", table.concat(missing, ", ")) end
    local count = 0
    local cache = {} -- each conftest.lua loaded once
    for _, f in ipairs(files) do
      for _, p in ipairs(lint.check_file(f, { registered = o.mark, conftest_cache = cache })) do
        io.stdout:write(string.format("%s:%d: %s %s\n", p.file, p.line, p.code, p.message))
        count = count + 1
      end
    end
    if not o.quiet then
      io.stdout:write(string.format("%d problem%s in %d file%s\n", count, count == 1 and "" or "s", #files, #files == 1 and "" or "s"))
    end
    return count > 0 and 1 or 0
  end,
}
