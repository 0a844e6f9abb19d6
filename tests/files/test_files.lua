-- omni.files: whole files in and out, with io.open's message on failure.
local omni = require "omni"
local assert = require "omni.assert"
local files = require "omni.files"

omni.test("write_then_read_bytes_as_they_are", function(tmp_path)
  local p = tmp_path .. "/a.bin"
  local bytes = "line\r\n\0binary\255end"
  assert.equal(files.write(p, bytes), true)
  assert.equal(files.read(p), bytes)
  assert.equal(files.write(p, "shorter"), true) -- replaces, does not append
  assert.equal(files.read(p), "shorter")
  assert.equal(files.write(p, ""), true)
  assert.equal(files.read(p), "")
end)

omni.test("failures_name_the_file", function(tmp_path)
  local text, err = files.read(tmp_path .. "/missing.txt")
  assert.is_nil(text)
  assert.contains(err, tmp_path .. "/missing.txt: No such file or directory")
  local ok, werr = files.write(tmp_path .. "/no/such/dir/x.txt", "x")
  assert.is_nil(ok)
  assert.contains(werr, tmp_path .. "/no/such/dir/x.txt")
  -- a folder opens on Linux but cannot be read as a file
  local d, derr = files.read(tmp_path)
  assert.is_nil(d)
  assert.equal(derr, tmp_path .. ": Is a directory")
end)
