--- `omnilua media image|audio|video [options] -o FILE`: writes the synthetic
--- media the tests send (omni.media, same options, same bytes) to a file, for
--- people who want to look at or listen to it.
local argparse = require "omni.argparse"
local media = require "omni.media"

local COMMON = {
  { "--output", short = "-o", metavar = "FILE", help = "where to write ('-' is stdout); required" },
  { "--as", metavar = "FORM", choices = { "bytes", "base64", "data_url" }, default = "bytes",
    help = "write the file's bytes (default), its base64, or its data URL" },
  { "--seed", kind = "integer", help = "random seed (default 0)" },
  { "--help", short = "-h", kind = "flag", help = "show this help" },
}

local SPECS = {
  image = {
    { "--width", kind = "integer", help = "pixels (default 224)" },
    { "--height", kind = "integer", help = "pixels (default 224)" },
    { "--shape", help = "square (default), circle, triangle, stripes, noise" },
    { "--color", metavar = "COLOR", help = "shape colour: r,g,b, #rrggbb or a name (default random)" },
    { "--background", metavar = "COLOR", help = "background colour (default white)" },
    { "--format", help = "jpeg (default) or png" },
    { "--quality", kind = "integer", help = "JPEG quality 1-100 (default 85)" },
  },
  audio = {
    { "--seconds", kind = "number", help = "duration (default 5)" },
    { "--channels", kind = "integer", help = "channels (default 1)" },
    { "--sample-rate", kind = "integer", help = "Hz (default 48000)" },
    { "--kind", help = "rain (default), tone, white, pink, chirp, silence" },
    { "--frequency", kind = "number", help = "tone Hz, or chirp start (default 440; chirp 200)" },
    { "--frequency-end", kind = "number", help = "chirp end Hz (default 4000)" },
    { "--amplitude", kind = "number", help = "peak of tone/chirp/noise, 0-1 (default 0.5)" },
  },
  video = {
    { "--width", kind = "integer", help = "pixels (default 224)" },
    { "--height", kind = "integer", help = "pixels (default 224)" },
    { "--frames", kind = "integer", help = "frame count (default 300)" },
    { "--fps", kind = "integer", help = "frames per second (default 30)" },
    { "--shape", help = "balls (default), ball, square" },
    { "--quality", kind = "integer", help = "JPEG quality of each frame (default 85)" },
    { "--threads", kind = "integer", help = "encoder threads, 0 = one per CPU (default 0)" },
  },
}

local function spec_for(kind)
  local spec = {}
  for _, s in ipairs(SPECS[kind]) do spec[#spec + 1] = s end
  for _, s in ipairs(COMMON) do spec[#spec + 1] = s end
  return spec
end

local function usage(out)
  out:write("usage: omnilua media image|audio|video [options] -o FILE\n",
    "'omnilua media KIND --help' lists a kind's options.\n")
end

local function parse_color(v)
  if v == nil then return nil end
  local r, g, b = v:match("^%s*(%d+)%s*,%s*(%d+)%s*,%s*(%d+)%s*$")
  if r then return { math.tointeger(tonumber(r)), math.tointeger(tonumber(g)), math.tointeger(tonumber(b)) } end
  return v
end

local function to_options(kind, o)
  local opts = {}
  for _, s in ipairs(SPECS[kind]) do
    local dest = s[1]:gsub("^%-%-", ""):gsub("%-", "_")
    opts[dest] = o[dest]
  end
  opts.seed = o.seed
  if kind == "image" then
    opts.color, opts.background = parse_color(opts.color), parse_color(opts.background)
  end
  return opts
end

return {
  summary = "write synthetic image/audio/video (what the tests send) to a file",
  main = function(args)
    local kind = args[1]
    if kind == nil or kind == "--help" or kind == "-h" then
      usage(io.stdout)
      return kind and 0 or 4
    end
    if not SPECS[kind] then
      local hint = argparse.closest(kind, { "image", "audio", "video" })
      argparse.usage_error("media: unknown kind '%s'%s; choose image, audio or video", kind,
        hint and (" (did you mean '" .. hint .. "'?)") or "")
    end
    local spec = spec_for(kind)
    local o = argparse.parse("media " .. kind, spec, { table.unpack(args, 2) })
    if o.help then
      io.stdout:write("usage: omnilua media ", kind, " [options] -o FILE\n\n", argparse.help(spec), "\n")
      return 0
    end
    if #o.positional > 0 then
      argparse.usage_error("media %s: unexpected argument '%s'", kind, o.positional[1])
    end
    if not o.output then argparse.usage_error("media %s: -o FILE is required", kind) end

    local ok, value = pcall(media[kind], to_options(kind, o))
    if not ok then
      -- Bad values are the user's input: report them as usage errors.
      argparse.usage_error("media %s: %s", kind, (tostring(value):gsub("^omni%.media%.%a+: ", "")))
    end
    local data = o.as == "bytes" and value.bytes or value[o.as]
    if o.output == "-" then
      io.stdout:write(data)
      return 0
    end
    local f, err = io.open(o.output, "wb")
    if not f then
      io.stderr:write("omnilua media: ", err, "\n")
      return 1
    end
    f:write(data)
    f:close()
    io.stderr:write(string.format("wrote %s: %s\n", o.output, tostring(value)))
    return 0
  end,
}
